"""The catalog's to-do sources (core.worklist) and home figures: admissions and power changes waiting for a user."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from catalog.choices import AdmissionState, ChangeKind, ChangeState
from catalog.models import Admission, PowerChange
from core.roles import Role, has_role
from core.scoping import code_level
from core.worklist import Figure, Source, WorkItem, is_due_soon, is_overdue


def admission_towns_seen_by(admission: Any, user: Any) -> tuple[list[Any], bool]:
    """The towns an admission covers as `user` may read them, and whether it covers the whole county.

    An admission lists its towns, or none for "every town of the county". A town reading its
    county's admission sees only the listed towns in its own scope: another town is neither
    named nor counted, and an admission for other towns only does not read as one for all.
    """
    listed = admission.towns.through.objects.filter(admission_id=admission.pk)
    seen = list(admission.towns.visible_to(user).order_by("code"))
    return seen, not listed.exists()


# ---------------------------------------------------------------- to-do (core.worklist) and home figures

ADMISSION_KIND = "catalog.admission"
CHANGE_KIND = "catalog.change"


def _above_town(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or \
        code_level(getattr(user, "division_id", None) or "000000000001") not in ("town", "village")


def todo_admissions(user: Any) -> QuerySet[Admission]:
    """Admissions waiting for `user`: to review (the reform office of the county, 待审核), or
    returned for changes to the filing department (退回修改, a department handler of that unit)."""
    cond = Q(pk__in=[])
    if has_role(user, Role.REFORM_OFFICE) and _above_town(user):
        cond |= Q(state=AdmissionState.SUBMITTED)
    if has_role(user, Role.DEPT_HANDLER) and getattr(user, "unit_id", None):
        cond |= Q(state=AdmissionState.RETURNED, department_id=user.unit_id)
    return (Admission.objects.writable_by(user).filter(cond).select_related("department", "division")
            .annotate(todo_due=Value(None, output_field=DateTimeField())))


def todo_admissions_subtree(user: Any) -> QuerySet[Admission]:
    return (Admission.objects.writable_by(user)
            .filter(state__in=[AdmissionState.SUBMITTED, AdmissionState.RETURNED])
            .select_related("department", "division").annotate(todo_due=Value(None, output_field=DateTimeField())))


def todo_admission_item(a: Admission) -> WorkItem:
    action = "审核准入申请" if a.state == AdmissionState.SUBMITTED else "修改后重新提交"
    return WorkItem(kind=ADMISSION_KIND, ref=str(a.pk), title=f"{a.code} {a.title}", action=action,
                    url=reverse("catalog:admission", args=[a.pk]), due_at=None, division=a.division_id,
                    detail=f"{a.department.name} · {a.created_at.astimezone(timezone.get_current_timezone()):%Y-%m-%d}")


def _people_with(role: str, division_code: str) -> list[Any]:
    from accounts.models import User

    return [u for u in User.objects.filter(division_id=division_code, is_active=True) if has_role(u, role)]


def todo_admission_recipients(a: Admission) -> list[Any]:
    if a.state == AdmissionState.SUBMITTED:
        return _people_with(Role.REFORM_OFFICE, a.division_id)
    return [a.department]


def _change_due() -> Any:
    """A procedure must be decided before its effective date (an approval after it is refused)."""
    return Cast(F("effective_date"), DateTimeField())


def todo_changes(user: Any) -> QuerySet[PowerChange]:
    """Procedures waiting for `user`: the department's opinion (the item's county department, or
    the reform office when no department is named), the reform office's decision, or a
    resubmission by whoever filed a returned one. Due: the effective date."""
    cond = Q(state=ChangeState.RETURNED, filed_by_id=getattr(user, "pk", None))
    if _above_town(user):
        if has_role(user, Role.REFORM_OFFICE):
            cond |= Q(state=ChangeState.DEPT_REVIEWED) | Q(state=ChangeState.SUBMITTED, department__isnull=True)
        if has_role(user, Role.DEPT_HANDLER) and getattr(user, "unit_id", None):
            cond |= Q(state=ChangeState.SUBMITTED, department_id=user.unit_id)
    return (PowerChange.objects.writable_by(user).filter(cond).select_related("item", "division", "department")
            .annotate(todo_due=_change_due()))


def todo_changes_subtree(user: Any) -> QuerySet[PowerChange]:
    return (PowerChange.objects.writable_by(user)
            .filter(state__in=[ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED, ChangeState.RETURNED])
            .select_related("item", "division", "department").annotate(todo_due=_change_due()))


CHANGE_ACTION = {ChangeState.SUBMITTED: "出具部门意见", ChangeState.DEPT_REVIEWED: "编办审批",
                 ChangeState.RETURNED: "修改后重新提交"}


def todo_change_item(c: PowerChange) -> WorkItem:
    due = dt.datetime.combine(c.effective_date, dt.time.min, timezone.get_current_timezone())
    return WorkItem(kind=CHANGE_KIND, ref=str(c.pk), title=f"{c.get_kind_display()}·{c.item.name}",
                    action=CHANGE_ACTION.get(ChangeState(c.state), c.get_state_display()),
                    url=reverse("catalog:change", args=[c.pk]), due_at=due, division=c.division_id,
                    overdue=is_overdue(due), warning=is_due_soon(due),
                    detail=f"{c.division.name} · 生效日期 {c.effective_date:%Y-%m-%d}")


def todo_change_recipients(c: PowerChange) -> list[Any]:
    county = c.division_id[:6] + "000000"
    if c.state == ChangeState.SUBMITTED and c.department is not None:
        return [c.department]
    if c.state in (ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED):
        return _people_with(Role.REFORM_OFFICE, county)
    return [c.filed_by] if c.filed_by is not None else []


def home_figures(user: Any) -> list[Figure]:
    """Reform office: admissions, returns, delegations and adjustments waiting for review; a
    department: opinions and returned admissions; a town centre: its procedures returned to it.
    Counted on the list pages' own querysets, so each figure equals the rows behind its link."""
    out: list[Figure] = []
    admissions = reverse("catalog:admissions")
    changes = reverse("catalog:changes")
    if has_role(user, Role.REFORM_OFFICE) and _above_town(user):
        out.append(Figure("catalog.admissions", "待审核准入申请",
                          Admission.objects.visible_to(user).filter(state=AdmissionState.SUBMITTED).count(),
                          f"{admissions}?state=submitted", "清单与准入"))
        waiting = PowerChange.objects.visible_to(user).filter(state=ChangeState.DEPT_REVIEWED)
        for kind, label in ((ChangeKind.RETURN, "待审批退还"), (ChangeKind.DELEGATION, "待审批赋权"),
                            (ChangeKind.ADJUSTMENT, "待审批调整")):
            out.append(Figure(f"catalog.{kind}", label, waiting.filter(kind=kind).count(),
                              f"{changes}?{urlencode({'kind': kind, 'state': ChangeState.DEPT_REVIEWED})}",
                              "清单与准入"))
    unit = getattr(user, "unit_id", None)
    if has_role(user, Role.DEPT_HANDLER) and unit and _above_town(user):
        out.append(Figure("catalog.opinions", "待出具部门意见",
                          PowerChange.objects.visible_to(user).filter(state=ChangeState.SUBMITTED,
                                                                      department_id=unit).count(),
                          f"{changes}?{urlencode({'state': ChangeState.SUBMITTED, 'department': unit})}",
                          "清单与准入"))
        out.append(Figure("catalog.returned_admissions", "退回修改的准入申请",
                          Admission.objects.visible_to(user).filter(state=AdmissionState.RETURNED,
                                                                    department_id=unit).count(),
                          f"{admissions}?{urlencode({'state': AdmissionState.RETURNED, 'department': unit})}",
                          "清单与准入"))
    if has_role(user, Role.TOWN_COMMAND) and not _above_town(user):
        out.append(Figure("catalog.town_changes", "退回修改的程序",
                          PowerChange.objects.visible_to(user).filter(state=ChangeState.RETURNED).count(),
                          f"{changes}?state={ChangeState.RETURNED}", "清单与准入"))
    return out


def todo_sources() -> list[Source]:
    return [Source(kind=ADMISSION_KIND, label="准入审核", mine=todo_admissions, item=todo_admission_item,
                   subtree=todo_admissions_subtree, recipients=todo_admission_recipients,
                   roles=(Role.REFORM_OFFICE,)),
            Source(kind=CHANGE_KIND, label="赋权调整退还", mine=todo_changes, item=todo_change_item,
                   subtree=todo_changes_subtree, recipients=todo_change_recipients,
                   roles=(Role.REFORM_OFFICE,))]
