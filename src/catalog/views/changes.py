"""赋权/调整/退还: filing, the department's opinion, the decision, evidence files."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from catalog import forms, services
from catalog.choices import ChangeKind, ChangeState, ReturnReason
from catalog.filtersets import PowerChangeFilterSet
from catalog.models import PowerChange
from catalog.views._common import _above_town, _filtered, _status, _wants_xlsx, _xlsx
from core.errors import PlatformError
from core.forms import add_platform_error
from core.roles import has_role
from divisions.models import Division


def _filing_kinds(user: Any) -> list[str]:
    kinds: list[str] = []
    if has_role(user, services.TOWN_FILERS):
        kinds.append(ChangeKind.RETURN)
    if has_role(user, services.COUNTY_FILERS) and _above_town(user):
        kinds += [ChangeKind.DELEGATION, ChangeKind.ADJUSTMENT]
    return kinds


@login_required
def changes(request: Any) -> Any:
    user = request.user
    kinds = _filing_kinds(user)
    towns = Division.objects.writable_by(user).filter(level="town").order_by("code")
    form = forms.ChangeFileForm(towns=towns, kinds=kinds) if kinds else None
    if request.method == "POST":
        if not kinds:
            raise Http404("您无权申报赋权、调整或退还")
        form = forms.ChangeFileForm(request.POST, request.FILES, towns=towns, kinds=kinds)
        if form.is_valid():
            d = form.cleaned_data
            try:
                change = services.change_file(
                    kind=d["kind"], op=d.get("op") or None, town=d["division"], item=d["item"], reason=d["reason"],
                    effective_date=d["effective_date"], reason_category=d["reason_category"],
                    evidence=d["evidence"], evidence_files=d["evidence_files"],
                    legal_reviewer=d["legal_reviewer"], legal_opinion=d["legal_opinion"],
                    legal_review_date=d["legal_review_date"], handover_plan=d["handover_plan"], user=user)
            except PlatformError as exc:
                add_platform_error(form, exc)
            else:
                messages.success(request, f"{change.get_kind_display()}申报已提交，等待县级部门意见")
                return HttpResponseRedirect(reverse("catalog:change", args=[change.pk]))
    qs = PowerChange.objects.visible_to(user).select_related("item", "division", "department")
    fs = PowerChangeFilterSet(request.GET, queryset=qs, request=request)
    rows, errors = _filtered(request, fs)
    if _wants_xlsx(request, errors):
        data = ([c.get_kind_display(), c.get_op_display(), c.division.name, c.item.code, c.item.name,
                 c.department.name if c.department else "", c.reason, c.effective_date, c.get_state_display(),
                 c.created_at] for c in fs.qs[:50000].iterator(chunk_size=2000))
        return _xlsx("赋权调整退还.xlsx", "赋权调整退还", ["程序", "方向", "乡镇（街道）", "事项编码", "事项名称", "县级主管部门", "理由",
                                                  "生效日期", "状态", "申报时间"], data)
    return render(request, "catalog/changes.html", {
        "page": rows, "filters": request.GET, "filter_errors": errors, "kinds": ChangeKind.choices,
        "states": ChangeState.choices, "reasons": ReturnReason.choices, "form": form,
        "files_lost": bool(request.FILES) and form is not None and bool(form.errors)},
        status=400 if errors else _status(form))


CHANGE_ACTIONS = {"opinion": forms.OpinionForm, "decide": forms.ReviewForm, "resubmit": forms.ChangeResubmitForm,
                  "withdraw": forms.ReasonForm}


@login_required
def change_detail(request: Any, pk: int) -> Any:
    user = request.user
    change = get_object_or_404(PowerChange.objects.visible_to(user).select_related("item", "division", "department"),
                               pk=pk)
    action = None
    if request.method == "POST":
        writable_row = get_object_or_404(PowerChange.objects.writable_by(user), pk=pk)
        action = request.POST.get("action", "")
        if action not in CHANGE_ACTIONS:
            messages.error(request, "未知操作")
            return HttpResponseRedirect(reverse("catalog:change", args=[pk]))
    action_forms = {}
    for name, cls in CHANGE_ACTIONS.items():
        initial = {"effective_date": change.effective_date, "handover_plan": change.handover_plan} \
            if name == "resubmit" else None
        action_forms[name] = cls(request.POST, request.FILES, auto_id=f"{name}_%s") if name == action \
            else cls(auto_id=f"{name}_%s", initial=initial)
    if action:
        form = action_forms[action]
        if form.is_valid():
            d = form.cleaned_data
            try:
                if action == "opinion":
                    services.change_department_opinion(change=writable_row, agree=d["agree"], opinion=d["opinion"],
                                                       user=user)
                elif action == "decide":
                    services.change_decide(change=writable_row, decision=d["decision"], reason=d["reason"], user=user)
                elif action == "resubmit":
                    services.change_resubmit(change=writable_row, reason=d["reason"],
                                             effective_date=d["effective_date"],
                                             handover_plan=d["handover_plan"] or None,
                                             evidence_files=d["evidence_files"], user=user)
                else:
                    services.change_withdraw(change=writable_row, reason=d["reason"], user=user)
            except PlatformError as exc:
                add_platform_error(form, exc)
            else:
                messages.success(request, "已办理")
                return HttpResponseRedirect(reverse("catalog:change", args=[pk]))
    writable = PowerChange.objects.writable_by(user).filter(pk=pk).exists()
    above = _above_town(user)
    return render(request, "catalog/change.html", {
        "c": change, "forms": action_forms, "open_work": services.open_work_for(change),
        "evidence": change.evidence_files.all(),
        "versions": change.list_versions.select_related("item_list", "item_list__division"),
        "can_opinion": writable and above and has_role(user, services.DEPT + services.REFORM)
        and change.state == ChangeState.SUBMITTED,
        "can_decide": writable and above and has_role(user, services.REFORM) and change.state == ChangeState.DEPT_REVIEWED,
        "can_resubmit": writable and change.state == ChangeState.RETURNED,
        "can_withdraw": writable and change.state in (ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED,
                                                      ChangeState.RETURNED)},
        status=_status(*action_forms.values()))


