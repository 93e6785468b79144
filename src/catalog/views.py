"""Pages: lists (as of a date, versions, Excel), items, matters and responsibility, gaps,
admission, delegation/adjustment/return, and the public town list (no login).

Every input is validated by a Django form (`catalog/forms.py`) or the filterset's form; a refused
submission re-renders the page (400) with every typed value kept and each message beside its
field, including the refusals of the services (`core.forms.add_platform_error`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog import excel, forms, selectors, services
from catalog.choices import AdmissionState, ChangeKind, ChangeState, ItemKind, ListKind, ReturnReason
from catalog.filtersets import AdmissionFilterSet, ItemFilterSet, PowerChangeFilterSet
from catalog.models import Admission, Assignment, ChangeEvidence, Item, ItemList, Matter, PowerChange, Responsibility
from core.errors import PlatformError
from core.forms import add_platform_error
from core.roles import has_role
from core.scoping import code_level
from core.text import search_variants
from divisions.models import Division
from org.models import Unit


def _any_contains(field: str, q: str) -> Q:
    """`field` contains the search text in any of its forms (乡(镇) finds 乡（镇）)."""
    cond = Q()
    for v in search_variants(q):
        cond |= Q(**{f"{field}__icontains": v})
    return cond


def _page(request: Any, qs: Any, size: int = 50) -> Any:
    # Paginator.get_page turns any junk `page` into the first or last page.
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _date(value: str | None, default: dt.date | None = None, label: str = "日期") -> dt.date | None:
    """Used by the Excel import form only (kept as it was; see catalog.excel)."""
    form = forms.AsOfForm({"as_of": value or ""})
    if not value:
        return default
    if not form.is_valid():
        raise PlatformError(f"{label}：{form.errors['as_of'][0]}")
    return form.cleaned_data["as_of"]


def _as_of(request: Any) -> dt.date:
    """`?as_of=` for the downloads (a bad date: a message and today's list)."""
    form = forms.AsOfForm(request.GET)
    if not form.is_valid():
        messages.error(request, f"施行日期：{form.errors['as_of'][0]}")
    return form.as_of_or_today()


def _above_town(user: Any) -> bool:
    return user.is_superuser or code_level(user.division_id or "000000000001") not in ("town", "village")


def _status(*bound_forms: Any) -> int:
    """400 when any bound form on the page carries errors (a refused submission or bad filter)."""
    return 400 if any(f is not None and f.is_bound and f.errors for f in bound_forms) else 200


def _filter_errors(fs: Any) -> list[str]:
    """The filterset's form errors, one line per field (filters never hand-parse the query)."""
    if fs.form.is_valid():
        return []
    return [f"{fs.form.fields[name].label or name}：{'；'.join(errs)}" if name in fs.form.fields
            else "；".join(errs) for name, errs in fs.form.errors.items()]


def _filtered(request: Any, fs: Any) -> tuple[Any, list[str]]:
    errors = _filter_errors(fs)
    try:
        return _page(request, fs.qs), errors
    except PlatformError as exc:  # a division filter that is not a 12-digit code
        return _page(request, fs.queryset.none()), [*errors, exc.message]


# ---------------------------------------------------------------- lists

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
    return render(request, "catalog/items.html", {"page": page, "filters": request.GET, "errors": errors,
                                                  "kinds": ItemKind.choices}, status=400 if errors else 200)


# ---------------------------------------------------------------- matters, responsibility, gaps

def _towns(user: Any) -> Any:
    return Division.objects.visible_to(user).filter(level="town").order_by("code")


@login_required
def matters(request: Any) -> Any:
    """Matters with, for the chosen town, the main and cooperating units in force on the date."""
    user = request.user
    towns = _towns(user)
    form = forms.MatterFilterForm(request.GET, towns=towns)
    form.is_valid()
    if "town" in form.errors:
        raise Http404("乡镇不存在或不在您的管辖范围内")
    data = form.cleaned_data
    town = data.get("town") or towns.first()
    town_code = town.code if town else ""
    qs = Matter.objects.select_related("item").order_by("code")
    q = (data.get("q") or "").strip()
    if q:
        qs = qs.filter(_any_contains("name", q) | _any_contains("code", q))
    only_gaps = bool(data.get("gaps"))
    as_of = form.as_of_or_today()
    page = _page(request, qs)
    rows = [(m, selectors.responsibility_for(town_code, m.code, as_of).seen_by(user) if town_code else None)
            for m in page]
    if only_gaps:
        rows = [(m, a) for m, a in rows if a is None or a.gap]
    return render(request, "catalog/matters.html", {"form": form, "page": page, "rows": rows, "town": town_code,
                                                    "q": q, "as_of": as_of, "only_gaps": only_gaps},
                  status=_status(form))


@login_required
def responsibility_edit(request: Any, town: str, matter: str) -> Any:
    """One matter in one town: the answer over time, and (reform office above the town) a new division of labour."""
    user = request.user
    division = get_object_or_404(_towns(user), code=town)
    matter_obj = get_object_or_404(Matter, code=matter)
    writable = Division.objects.writable_by(user).filter(code=town).exists() and _above_town(user) \
        and has_role(user, services.REFORM)
    candidates = Unit.objects.visible_to(user).filter(division_id__in=[town, town[:6] + "000000"]) \
        .exclude(kind="stationed").order_by("-division_id", "order")
    answer = selectors.responsibility_for(town, matter).seen_by(user)
    form = None
    if writable:
        form = forms.ResponsibilityForm(candidates=candidates, initial={
            "main_unit": answer.main.id if answer.main else None, "valid_from": timezone.localdate()})
    if request.method == "POST":
        if not writable:
            raise Http404("无权调整该乡镇的职责分工")
        form = forms.ResponsibilityForm(request.POST, candidates=candidates)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.responsibility_set(town=division, matter=matter_obj, main_unit=d["main_unit"],
                                            cooperating=list(d["cooperating_units"]), valid_from=d["valid_from"],
                                            note=d["note"], user=user)
            except PlatformError as exc:
                add_platform_error(form, exc)
            else:
                messages.success(request, "职责分工已登记")
                return HttpResponseRedirect(reverse("catalog:responsibility", kwargs={"town": town, "matter": matter}))
    rows = Responsibility.objects.visible_to(user).filter(division=division, matter=matter_obj) \
        .select_related("main_unit", "change").prefetch_visible(user, "cooperating_units").order_by("-valid_from")
    return render(request, "catalog/responsibility.html", {
        "town": division, "matter": matter_obj, "rows": rows, "writable": writable, "form": form,
        "answer": answer, "today": timezone.localdate()}, status=_status(form))


@login_required
def gaps(request: Any) -> Any:
    towns = _towns(request.user)
    form = forms.GapFilterForm(request.GET, towns=towns)
    form.is_valid()
    if "town" in form.errors:
        raise Http404("乡镇不存在或不在您的管辖范围内")
    town = form.cleaned_data.get("town")
    found = selectors.gaps(towns.filter(code=town.code) if town else towns, form.cleaned_data.get("matter") or None,
                           form.as_of_or_today())
    return render(request, "catalog/gaps.html", {"form": form, "page": _page(request, found, 100),
                                                 "count": len(found)}, status=_status(form))


# ---------------------------------------------------------------- admission

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


# ---------------------------------------------------------------- delegation / adjustment / return

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


@login_required
def change_evidence(request: Any, pk: int, file_id: int) -> FileResponse:
    """One supporting document of a procedure, for whoever may see the procedure (else 404)."""
    row = get_object_or_404(ChangeEvidence.objects.visible_to(request.user), pk=file_id, change_id=pk)
    if not default_storage.exists(row.path):
        raise Http404("文件不存在")
    return FileResponse(default_storage.open(row.path, "rb"), as_attachment=True, filename=row.name)


# ---------------------------------------------------------------- public (no login)

def public_index(request: Any) -> Any:
    """Published town lists (公开): every town that has adopted its county's lists."""
    form = forms.PublicSearchForm(request.GET)
    form.is_valid()
    towns = Division.objects.filter(level="town", item_lists__isnull=False).distinct().select_related("parent") \
        .order_by("code")
    q = (form.cleaned_data.get("q") or "").strip()
    if q:
        towns = towns.filter(_any_contains("name", q))
    return render(request, "catalog/public_index.html", {"form": form, "page": _page(request, towns, 100), "q": q},
                  status=_status(form))


def _public_town(code: str) -> Division:
    town = Division.objects.filter(code=code, level="town").first()
    if town is None or not ItemList.objects.filter(division=town).exists():
        raise Http404("该乡镇（街道）尚未公布清单")
    return town


def public_town(request: Any, code: str) -> Any:
    """A town's approval-service and enforcement lists in force (public page, no login)."""
    town = _public_town(code)
    form = forms.AsOfForm(request.GET)
    as_of = form.as_of_or_today()
    lists = ItemList.objects.filter(division=town).select_related("base").prefetch_related("versions", "base__versions")
    states = [selectors.list_state(lst, as_of) for lst in lists]
    return render(request, "catalog/public_town.html", {"form": form, "town": town, "states": states, "as_of": as_of},
                  status=_status(form))


def public_town_export(request: Any, code: str, kind: str) -> Any:
    town = _public_town(code)
    item_list = ItemList.objects.filter(division=town, kind=kind).first()
    if item_list is None:
        raise Http404("清单不存在")
    state = selectors.list_state(item_list, _as_of(request))
    return excel.export_response(state)
