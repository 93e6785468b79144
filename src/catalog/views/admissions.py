"""交办事项准入: the admission list, filing, review, resubmission and assignment."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from catalog import forms, selectors, services
from catalog.choices import AdmissionState
from catalog.filtersets import AdmissionFilterSet
from catalog.models import Admission, Assignment
from catalog.views._common import _above_town, _filtered, _status, _wants_xlsx, _xlsx
from core.errors import PlatformError
from core.forms import add_platform_error
from core.roles import has_role
from divisions.models import Division
from org.models import Unit


def _admission_departments(user: Any) -> Any:
    departments = Unit.objects.writable_by(user).filter(kind="county_department").order_by("division_id", "order")
    if user.unit_id and not has_role(user, services.REFORM):
        departments = departments.filter(pk=user.unit_id)
    return departments


@login_required
def admissions(request: Any) -> Any:
    user = request.user
    can_file = has_role(user, services.DEPT + services.REFORM) and _above_town(user)
    towns = Division.objects.writable_by(user).filter(level="town").order_by("code")
    form = forms.AdmissionFileForm(departments=_admission_departments(user), towns=towns) if can_file else None
    if request.method == "POST":
        if not can_file:
            raise Http404("您无权申请交办事项准入")
        form = forms.AdmissionFileForm(request.POST, departments=_admission_departments(user), towns=towns)
        if form.is_valid():
            d = form.cleaned_data
            try:
                admission = services.admission_file(
                    department=d["department"], title=d["title"], legal_basis=d["legal_basis"],
                    description=d["description"], staff=d["staff"] or 0, funds=d["funds"] or 0, systems=d["systems"],
                    towns=list(d["towns"]), valid_until=d["valid_until"], user=user)
            except PlatformError as exc:
                add_platform_error(form, exc)
            else:
                messages.success(request, f"准入申请 {admission.code} 已提交，等待编办审核")
                return HttpResponseRedirect(reverse("catalog:admission", args=[admission.pk]))
    fs = AdmissionFilterSet(request.GET, queryset=Admission.objects.visible_to(user).select_related("department"),
                            request=request)
    page, errors = _filtered(request, fs)
    if _wants_xlsx(request, errors):
        rows = ([a.code, a.title, a.department.name, a.staff, a.funds, a.systems, a.get_state_display(), a.created_at]
                for a in fs.qs[:50000].iterator(chunk_size=2000))
        return _xlsx("交办事项准入.xlsx", "交办事项准入", ["准入编号", "交办任务", "申请部门", "随交人员（人）", "随交经费（万元）",
                                                     "随交信息系统/权限", "状态", "申请时间"], rows)
    status = _status(form)
    return render(request, "catalog/admissions.html", {
        "received": Assignment.objects.visible_to(user).select_related("division", "admission", "department")[:50]
        if not _above_town(user) else [],
        "page": page, "filters": request.GET, "filter_errors": errors, "states": AdmissionState.choices,
        "can_file": can_file, "form": form}, status=400 if errors else status)


ADMISSION_ACTIONS = {"review": forms.ReviewForm, "resubmit": forms.AdmissionResubmitForm,
                     "withdraw": forms.ReasonForm, "assign": forms.AssignForm}


def _admission_forms(admission: Admission, user: Any, writable: bool, data: Any = None,
                     action: str | None = None) -> dict[str, Any]:
    towns = Division.objects.writable_by(user).filter(level="town", code__startswith=admission.division_id[:6]) \
        .order_by("code") if writable else Division.objects.none()
    out = {}
    for name, cls in ADMISSION_ACTIONS.items():
        kwargs: dict[str, Any] = {"auto_id": f"{name}_%s"}
        if name == "assign":
            kwargs["towns"] = towns
            kwargs["initial"] = {"title": admission.title}
        if name == "resubmit":
            kwargs["initial"] = {"legal_basis": admission.legal_basis}
        out[name] = cls(data, **kwargs) if name == action else cls(**kwargs)
    return out


@login_required
def admission_detail(request: Any, pk: int) -> Any:
    user = request.user
    admission = get_object_or_404(Admission.objects.visible_to(user).select_related("department"), pk=pk)
    writable = Admission.objects.writable_by(user).filter(pk=pk).exists()
    action = None
    if request.method == "POST":
        writable_row = get_object_or_404(Admission.objects.writable_by(user), pk=pk)
        action = request.POST.get("action", "")
        if action not in ADMISSION_ACTIONS:
            messages.error(request, "未知操作")
            return HttpResponseRedirect(reverse("catalog:admission", args=[pk]))
    action_forms = _admission_forms(admission, user, writable, request.POST if action else None, action)
    if action:
        form = action_forms[action]
        if form.is_valid():
            d = form.cleaned_data
            try:
                if action == "review":
                    services.admission_review(admission=writable_row, decision=d["decision"], reason=d["reason"],
                                              user=user)
                elif action == "resubmit":
                    services.admission_resubmit(admission=writable_row, reason=d["reason"],
                                                legal_basis=d["legal_basis"] or None, user=user)
                elif action == "withdraw":
                    services.admission_withdraw(admission=writable_row, reason=d["reason"], user=user)
                else:
                    services.assignment_create(town=d["town"], admission=writable_row, title=d["title"],
                                               due_date=d["due_date"], user=user)
            except PlatformError as exc:
                add_platform_error(form, exc)
            else:
                messages.success(request, "已办理")
                return HttpResponseRedirect(reverse("catalog:admission", args=[pk]))
    towns_seen, all_towns = selectors.admission_towns_seen_by(admission, user)
    return render(request, "catalog/admission.html", {
        "a": admission, "forms": action_forms, "towns_seen": towns_seen, "all_towns": all_towns,
        "can_review": writable and has_role(user, services.REFORM) and admission.state == AdmissionState.SUBMITTED,
        "can_edit": writable and has_role(user, services.DEPT + services.REFORM),
        "assignments": admission.assignments.visible_to(user).select_related("division")},
        status=_status(*action_forms.values()))
