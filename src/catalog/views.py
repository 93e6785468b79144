"""Pages: lists (as of a date, versions, Excel), items, matters and responsibility, gaps,
admission, delegation/adjustment/return, and the public town list (no login)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog import excel, selectors, services
from catalog.choices import AdmissionState, ChangeKind, ChangeState, ItemKind, ListKind, ReturnReason, ReviewDecision
from catalog.filtersets import AdmissionFilterSet, ItemFilterSet, PowerChangeFilterSet
from catalog.models import Admission, Assignment, Item, ItemList, Matter, PowerChange, Responsibility
from core.errors import PlatformError
from core.roles import has_role
from core.scoping import code_level
from core.text import normalize_text, search_variants
from divisions.models import Division
from org.models import Unit


def _any_contains(field: str, q: str) -> Q:
    """`field` contains the search text in any of its forms (乡(镇) finds 乡（镇）)."""
    cond = Q()
    for v in search_variants(q):
        cond |= Q(**{f"{field}__icontains": v})
    return cond


def _page(request: Any, qs: Any, size: int = 50) -> Any:
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _date(value: str | None, default: dt.date | None = None, label: str = "日期") -> dt.date | None:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise PlatformError(f"{label}格式应为 YYYY-MM-DD") from exc


def _as_of(request: Any) -> dt.date:
    try:
        return _date(request.GET.get("as_of"), timezone.localdate()) or timezone.localdate()
    except PlatformError as exc:
        messages.error(request, exc.message)
        return timezone.localdate()


def _above_town(user: Any) -> bool:
    return user.is_superuser or code_level(user.division_id or "000000000001") not in ("town", "village")


def _back(request: Any, fallback: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(request.POST.get("next") or fallback)


# ---------------------------------------------------------------- lists

@login_required
def index(request: Any) -> Any:
    """The lists in your scope (your county's and your towns'), in force today."""
    user = request.user
    lists = ItemList.objects.visible_to(user).select_related("division", "base").prefetch_related(
        "versions", "base__versions")
    kind = request.GET.get("kind", "")
    if kind in ListKind.values:
        lists = lists.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        lists = lists.filter(_any_contains("division__name", q))
    page = _page(request, lists.order_by("division_id", "kind"))
    as_of = _as_of(request)
    rows = [(lst, selectors.list_state(lst, as_of)) for lst in page]
    context = {
        "page": page, "rows": rows, "as_of": as_of, "kind": kind, "q": q, "kinds": ListKind.choices,
        "pending_admissions": Admission.objects.visible_to(user).filter(state=AdmissionState.SUBMITTED).count(),
        "pending_changes": PowerChange.objects.visible_to(user).filter(
            state__in=[ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED]).count(),
        "n_items": Item.objects.count(), "n_matters": Matter.objects.count(),
    }
    return render(request, "catalog/index.html", context)


@login_required
def list_detail(request: Any, pk: int) -> Any:
    user = request.user
    item_list = get_object_or_404(ItemList.objects.visible_to(user).select_related("division", "base"), pk=pk)
    as_of = _as_of(request)
    state = selectors.list_state(item_list, as_of)
    can_import = has_role(user, services.REFORM) and _above_town(user) and \
        ItemList.objects.writable_by(user).filter(pk=pk).exists()
    return render(request, "catalog/list.html", {
        "item_list": item_list, "state": state, "as_of": as_of, "versions": selectors.version_history(item_list),
        "can_import": can_import, "today": timezone.localdate(), "headers": excel.HEADERS,
    })


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
    return render(request, "catalog/items.html", {"page": _page(request, fs.qs), "filters": request.GET,
                                                  "kinds": ItemKind.choices})


# ---------------------------------------------------------------- matters, responsibility, gaps

def _towns(user: Any) -> Any:
    return Division.objects.visible_to(user).filter(level="town").order_by("code")


@login_required
def matters(request: Any) -> Any:
    """Matters with, for the chosen town, the main and cooperating units in force on the date."""
    user = request.user
    towns = _towns(user)
    town_code = request.GET.get("town") or (towns.first().code if towns.exists() else "")
    if town_code and not towns.filter(code=town_code).exists():
        raise Http404("乡镇不存在或不在您的管辖范围内")
    qs = Matter.objects.select_related("item").order_by("code")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(_any_contains("name", q) | _any_contains("code", q))
    only_gaps = bool(request.GET.get("gaps"))
    as_of = _as_of(request)
    page = _page(request, qs)
    rows = [(m, selectors.responsibility_for(town_code, m.code, as_of).seen_by(user) if town_code else None)
            for m in page]
    if only_gaps:
        rows = [(m, a) for m, a in rows if a is None or a.gap]
    return render(request, "catalog/matters.html", {"page": page, "rows": rows, "towns": towns[:500],
                                                    "town": town_code, "q": q, "as_of": as_of, "only_gaps": only_gaps})


@login_required
def responsibility_edit(request: Any, town: str, matter: str) -> Any:
    """One matter in one town: the answer over time, and (reform office above the town) a new division of labour."""
    user = request.user
    division = get_object_or_404(_towns(user), code=town)
    matter_obj = get_object_or_404(Matter, code=matter)
    writable = Division.objects.writable_by(user).filter(code=town).exists() and _above_town(user) \
        and has_role(user, services.REFORM)
    if request.method == "POST":
        if not writable:
            raise Http404("无权调整该乡镇的职责分工")
        units = Unit.objects.visible_to(user)
        try:
            main_id = request.POST.get("main_unit")
            main = units.filter(pk=main_id).first() if main_id else None
            coop = list(units.filter(pk__in=[u for u in request.POST.getlist("cooperating_units") if u.isdigit()]))
            services.responsibility_set(town=division, matter=matter_obj, main_unit=main, cooperating=coop,
                                        valid_from=_date(request.POST.get("valid_from"), label="起始日期"),
                                        note=request.POST.get("note", ""), user=user)
            messages.success(request, "职责分工已登记")
        except PlatformError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("catalog:responsibility", kwargs={"town": town, "matter": matter}))
    rows = Responsibility.objects.visible_to(user).filter(division=division, matter=matter_obj) \
        .select_related("main_unit", "change").prefetch_visible(user, "cooperating_units").order_by("-valid_from")
    candidates = Unit.objects.filter(division_id__in=[town, town[:6] + "000000"]).exclude(kind="stationed") \
        .order_by("-division_id", "order") if writable else []
    return render(request, "catalog/responsibility.html", {
        "town": division, "matter": matter_obj, "rows": rows, "writable": writable, "candidates": candidates,
        "answer": selectors.responsibility_for(town, matter).seen_by(user), "today": timezone.localdate()})


@login_required
def gaps(request: Any) -> Any:
    towns = _towns(request.user)
    if request.GET.get("town"):
        towns = towns.filter(code=request.GET["town"])
    found = selectors.gaps(towns, request.GET.get("matter") or None, _as_of(request))
    return render(request, "catalog/gaps.html", {"page": _page(request, found, 100), "count": len(found),
                                                 "towns": _towns(request.user)[:500], "town": request.GET.get("town", "")})


# ---------------------------------------------------------------- admission

@login_required
def admissions(request: Any) -> Any:
    user = request.user
    if request.method == "POST":
        try:
            department = get_object_or_404(Unit.objects.visible_to(user), pk=request.POST.get("department") or 0)
            towns = list(Division.objects.visible_to(user).filter(code__in=request.POST.getlist("towns")))
            try:
                funds = Decimal(request.POST.get("funds") or "0")
                staff = int(request.POST.get("staff") or 0)
            except (InvalidOperation, ValueError) as exc:
                raise PlatformError("随交人员须为整数，经费须为数字（万元）") from exc
            admission = services.admission_file(
                department=department, title=request.POST.get("title", ""), legal_basis=request.POST.get("legal_basis", ""),
                description=request.POST.get("description", ""), staff=staff, funds=funds,
                systems=request.POST.get("systems", ""), towns=towns,
                valid_until=_date(request.POST.get("valid_until"), label="有效期"), user=user)
        except PlatformError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("catalog:admissions"))
        messages.success(request, f"准入申请 {admission.code} 已提交，等待编办审核")
        return HttpResponseRedirect(reverse("catalog:admission", args=[admission.pk]))
    fs = AdmissionFilterSet(request.GET, queryset=Admission.objects.visible_to(user).select_related("department"),
                            request=request)
    can_file = has_role(user, services.DEPT + services.REFORM) and _above_town(user)
    departments = Unit.objects.writable_by(user).filter(kind="county_department").order_by("division_id", "order") \
        if can_file else Unit.objects.none()
    if can_file and user.unit_id and not has_role(user, services.REFORM):
        departments = departments.filter(pk=user.unit_id)
    return render(request, "catalog/admissions.html", {
        "received": Assignment.objects.visible_to(user).select_related("division", "admission", "department")[:50]
        if not _above_town(user) else [],
        "page": _page(request, fs.qs), "filters": request.GET, "states": AdmissionState.choices, "can_file": can_file,
        "departments": departments, "towns": Division.objects.writable_by(user).filter(level="town").order_by("code")
        if can_file else []})


@login_required
def admission_detail(request: Any, pk: int) -> Any:
    user = request.user
    admission = get_object_or_404(Admission.objects.visible_to(user).select_related("department"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            writable = get_object_or_404(Admission.objects.writable_by(user), pk=pk)
            if action == "review":
                services.admission_review(admission=writable, decision=request.POST.get("decision", ""),
                                          reason=request.POST.get("reason", ""), user=user)
            elif action == "resubmit":
                services.admission_resubmit(admission=writable, reason=request.POST.get("reason", ""),
                                            legal_basis=request.POST.get("legal_basis") or None, user=user)
            elif action == "withdraw":
                services.admission_withdraw(admission=writable, reason=request.POST.get("reason", ""), user=user)
            elif action == "assign":
                town = get_object_or_404(Division.objects.writable_by(user), code=request.POST.get("town", ""))
                services.assignment_create(town=town, admission=writable, title=request.POST.get("title", ""),
                                           due_date=_date(request.POST.get("due_date"), label="完成时限"), user=user)
            else:
                raise PlatformError("未知操作")
            messages.success(request, "已办理")
        except PlatformError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("catalog:admission", args=[pk]))
    writable = Admission.objects.writable_by(user).filter(pk=pk).exists()
    towns_seen, all_towns = selectors.admission_towns_seen_by(admission, user)
    return render(request, "catalog/admission.html", {
        "a": admission, "decisions": ReviewDecision.choices, "towns_seen": towns_seen, "all_towns": all_towns,
        "can_review": writable and has_role(user, services.REFORM) and admission.state == AdmissionState.SUBMITTED,
        "can_edit": writable and has_role(user, services.DEPT + services.REFORM),
        "assignments": admission.assignments.visible_to(user).select_related("division"),
        "towns": Division.objects.writable_by(user).filter(level="town", code__startswith=admission.division_id[:6])
        .order_by("code") if writable else []})


# ---------------------------------------------------------------- delegation / adjustment / return

@login_required
def changes(request: Any) -> Any:
    user = request.user
    if request.method == "POST":
        try:
            town = get_object_or_404(Division.objects.writable_by(user), code=request.POST.get("division", ""))
            item = Item.objects.filter(code=normalize_text(request.POST.get("item", ""))).first()
            if item is None:
                raise PlatformError("事项编码不存在")
            effective = _date(request.POST.get("effective_date"), label="生效日期")
            if effective is None:
                raise PlatformError("请填写生效日期")
            change = services.change_file(
                kind=request.POST.get("kind", ""), op=request.POST.get("op") or None, town=town, item=item,
                reason=request.POST.get("reason", ""), effective_date=effective,
                reason_category=request.POST.get("reason_category", ""), evidence=request.POST.get("evidence", ""),
                legal_reviewer=request.POST.get("legal_reviewer", ""), legal_opinion=request.POST.get("legal_opinion", ""),
                legal_review_date=_date(request.POST.get("legal_review_date"), label="合法性审查日期"),
                handover_plan=request.POST.get("handover_plan", ""), user=user)
        except PlatformError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("catalog:changes"))
        messages.success(request, f"{change.get_kind_display()}申报已提交，等待县级部门意见")
        return HttpResponseRedirect(reverse("catalog:change", args=[change.pk]))
    qs = PowerChange.objects.visible_to(user).select_related("item", "division", "department")
    fs = PowerChangeFilterSet(request.GET, queryset=qs, request=request)
    try:
        rows = _page(request, fs.qs)
    except PlatformError as exc:
        messages.error(request, exc.message)
        rows = _page(request, qs.none())
    town_filer = has_role(user, services.TOWN_FILERS)
    county_filer = has_role(user, services.COUNTY_FILERS) and _above_town(user)
    return render(request, "catalog/changes.html", {
        "page": rows, "filters": request.GET, "kinds": ChangeKind.choices, "states": ChangeState.choices,
        "reasons": ReturnReason.choices, "town_filer": town_filer, "county_filer": county_filer,
        "towns": Division.objects.writable_by(user).filter(level="town").order_by("code")[:500]
        if town_filer or county_filer else [], "today": timezone.localdate()})


@login_required
def change_detail(request: Any, pk: int) -> Any:
    user = request.user
    change = get_object_or_404(PowerChange.objects.visible_to(user).select_related("item", "division", "department"),
                               pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            writable = get_object_or_404(PowerChange.objects.writable_by(user), pk=pk)
            if action == "opinion":
                services.change_department_opinion(change=writable, agree=request.POST.get("agree") == "1",
                                                   opinion=request.POST.get("opinion", ""), user=user)
            elif action == "decide":
                services.change_decide(change=writable, decision=request.POST.get("decision", ""),
                                       reason=request.POST.get("reason", ""), user=user)
            elif action == "resubmit":
                services.change_resubmit(change=writable, reason=request.POST.get("reason", ""),
                                         effective_date=_date(request.POST.get("effective_date"), label="生效日期"),
                                         handover_plan=request.POST.get("handover_plan") or None, user=user)
            elif action == "withdraw":
                services.change_withdraw(change=writable, reason=request.POST.get("reason", ""), user=user)
            else:
                raise PlatformError("未知操作")
            messages.success(request, "已办理")
        except PlatformError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("catalog:change", args=[pk]))
    writable = PowerChange.objects.writable_by(user).filter(pk=pk).exists()
    above = _above_town(user)
    return render(request, "catalog/change.html", {
        "c": change, "decisions": ReviewDecision.choices, "open_work": services.open_work_for(change),
        "versions": change.list_versions.select_related("item_list", "item_list__division"),
        "can_opinion": writable and above and has_role(user, services.DEPT + services.REFORM)
        and change.state == ChangeState.SUBMITTED,
        "can_decide": writable and above and has_role(user, services.REFORM) and change.state == ChangeState.DEPT_REVIEWED,
        "can_resubmit": writable and change.state == ChangeState.RETURNED,
        "can_withdraw": writable and change.state in (ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED,
                                                      ChangeState.RETURNED)})


# ---------------------------------------------------------------- public (no login)

def public_index(request: Any) -> Any:
    """Published town lists (公开): every town that has adopted its county's lists."""
    towns = Division.objects.filter(level="town", item_lists__isnull=False).distinct().select_related("parent") \
        .order_by("code")
    q = request.GET.get("q", "").strip()
    if q:
        towns = towns.filter(_any_contains("name", q))
    return render(request, "catalog/public_index.html", {"page": _page(request, towns, 100), "q": q})


def _public_town(code: str) -> Division:
    town = Division.objects.filter(code=code, level="town").first()
    if town is None or not ItemList.objects.filter(division=town).exists():
        raise Http404("该乡镇（街道）尚未公布清单")
    return town


def public_town(request: Any, code: str) -> Any:
    """A town's approval-service and enforcement lists in force (public page, no login)."""
    town = _public_town(code)
    as_of = _as_of(request)
    lists = ItemList.objects.filter(division=town).select_related("base").prefetch_related("versions", "base__versions")
    states = [selectors.list_state(lst, as_of) for lst in lists]
    return render(request, "catalog/public_town.html", {"town": town, "states": states, "as_of": as_of})


def public_town_export(request: Any, code: str, kind: str) -> Any:
    town = _public_town(code)
    item_list = ItemList.objects.filter(division=town, kind=kind).first()
    if item_list is None:
        raise Http404("清单不存在")
    state = selectors.list_state(item_list, _as_of(request))
    return excel.export_response(state)
