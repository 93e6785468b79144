"""Lists (as of a date, versions, Excel import and export) and the item catalog."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog import excel, forms, selectors, services
from catalog.choices import AdmissionState, ChangeState, ItemKind, ListKind
from catalog.filtersets import ItemFilterSet
from catalog.models import Admission, Item, ItemList, Matter, PowerChange
from catalog.views._common import (
    _above_town,
    _any_contains,
    _as_of,
    _date,
    _filtered,
    _page,
    _status,
    _wants_xlsx,
    _xlsx,
)
from core.errors import PlatformError
from core.roles import has_role


@login_required
def index(request: Any) -> Any:
    """The lists in your scope (your county's and your towns'), in force on a date."""
    user = request.user
    form = forms.ListFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    lists = ItemList.objects.visible_to(user).select_related("division", "base").prefetch_related(
        "versions", "base__versions")
    kind = data.get("kind") or ""
    if kind:
        lists = lists.filter(kind=kind)
    q = (data.get("q") or "").strip()
    if q:
        lists = lists.filter(_any_contains("division__name", q))
    page = _page(request, lists.order_by("division_id", "kind"))
    as_of = form.as_of_or_today()
    rows = [(lst, selectors.list_state(lst, as_of)) for lst in page]
    context = {
        "form": form, "page": page, "rows": rows, "as_of": as_of, "kind": kind, "q": q, "kinds": ListKind.choices,
        "pending_admissions": Admission.objects.visible_to(user).filter(state=AdmissionState.SUBMITTED).count(),
        "pending_changes": PowerChange.objects.visible_to(user).filter(
            state__in=[ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED]).count(),
        "n_items": Item.objects.count(), "n_matters": Matter.objects.count(),
    }
    return render(request, "catalog/index.html", context, status=_status(form))


@login_required
def list_detail(request: Any, pk: int) -> Any:
    user = request.user
    item_list = get_object_or_404(ItemList.objects.visible_to(user).select_related("division", "base"), pk=pk)
    form = forms.AsOfForm(request.GET)
    as_of = form.as_of_or_today()
    state = selectors.list_state(item_list, as_of)
    can_import = has_role(user, services.REFORM) and _above_town(user) and \
        ItemList.objects.writable_by(user).filter(pk=pk).exists()
    return render(request, "catalog/list.html", {
        "form": form, "item_list": item_list, "state": state, "as_of": as_of,
        "versions": selectors.version_history(item_list),
        "can_import": can_import, "today": timezone.localdate(), "headers": excel.HEADERS,
    }, status=_status(form))


@login_required
def list_export(request: Any, pk: int) -> Any:
    item_list = get_object_or_404(ItemList.objects.visible_to(request.user), pk=pk)
    state = selectors.list_state(item_list, _as_of(request))
    return excel.export_response(state)


@login_required
@require_POST
def list_import(request: Any, pk: int) -> Any:
    item_list = get_object_or_404(ItemList.objects.writable_by(request.user), pk=pk)
    target = reverse("catalog:list", args=[pk])
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise PlatformError("请选择要导入的 .xlsx 文件")
        effective = _date(request.POST.get("effective_date"), label="生效日期")
        if effective is None:
            raise PlatformError("请填写生效日期")
        rows, skipped = excel.read_list_report(item_list, upload.read())
        version = services.list_import(item_list=item_list, rows=rows, effective_date=effective,
                                       reason=request.POST.get("reason", ""), user=request.user)
    except PlatformError as exc:
        messages.error(request, exc.message)
        for line in exc.fields.get("rows", [])[10:50]:
            messages.error(request, line)
        return HttpResponseRedirect(target)
    for line in skipped:
        messages.info(request, line)
    if version is None:
        messages.info(request, f"已校验 {len(rows)} 行：与现行清单一致，未产生新版本")
    else:
        messages.success(request, f"已导入 {len(rows)} 行，登记为第 {version.number} 版（{version.effective_date} 起施行）")
    return HttpResponseRedirect(target)


@login_required
def items(request: Any) -> Any:
    fs = ItemFilterSet(request.GET, queryset=Item.objects.all(), request=request)
    page, errors = _filtered(request, fs)
    if _wants_xlsx(request, errors):
        rows = ([i.code, i.name, i.get_kind_display(), i.legal_basis, i.department_code, i.guidance_entry,
                 "是" if i.delegable else "否"] for i in fs.qs[:50000].iterator(chunk_size=2000))
        return _xlsx("权力事项.xlsx", "权力事项", ["事项编码", "事项名称", "事项类型", "法律依据", "主管部门代码", "指导目录条目",
                                             "可赋权乡镇"], rows)
    return render(request, "catalog/items.html", {"page": page, "filters": request.GET, "errors": errors,
                                                  "kinds": ItemKind.choices}, status=400 if errors else 200)
