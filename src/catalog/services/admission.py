"""Admission (交办事项准入): county tasks reviewed before they may be handed to towns."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.choices import AdmissionState, ReviewDecision
from catalog.models import Admission, Assignment
from catalog.services._common import (
    DEPT,
    REFORM,
    _as_user,
    _reason,
    _require_role,
    _require_scope,
    _require_town,
    _step,
    _town,
)
from core.errors import Conflict, NotAllowed, PlatformError
from core.roles import Role, has_role
from core.scoping import code_level
from divisions.models import Division
from org.choices import UnitKind
from org.models import Unit


def _next_admission_code(county_code: str) -> str:
    year = timezone.localdate().year
    prefix = f"ZR{county_code[:6]}-{year}-"
    last = Admission.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


@_as_user
@transaction.atomic
def admission_file(*, department: Unit, title: str, legal_basis: str, description: str = "", staff: int = 0,
                   funds: Decimal | int = 0, systems: str = "", towns: Iterable[Division] = (),
                   valid_until: dt.date | None = None, user: Any = None) -> Admission:
    """A county department files a request to hand a new task to towns."""
    _require_role(user, DEPT + REFORM, "申请交办事项准入")
    if department.kind != UnitKind.COUNTY_DEPARTMENT:
        raise PlatformError("申请部门必须是县级部门", code="not_a_department", fields={"department": ["须为县级部门"]})
    county = department.division_id
    _require_scope(user, county, "申请准入")
    if user is not None and not user.is_superuser and getattr(user, "unit_id", None) and has_role(user, DEPT) \
            and not has_role(user, REFORM) and user.unit_id != department.pk:
        raise NotAllowed("只能以本部门名义申请准入", code="other_department")
    title = _reason(title, "title", "交办任务名称")
    legal_basis = _reason(legal_basis, "legal_basis", "法律政策依据")
    towns = list(towns)
    for town in towns:
        if not town.code.startswith(county[:6]) or code_level(town.code) != "town":
            raise PlatformError(f"{town.name} 不是本县的乡镇（街道）", code="town_outside", fields={"towns": ["须为本县乡镇"]})
    if staff < 0 or Decimal(funds) < 0:
        raise PlatformError("随交人员和经费不能为负数", fields={"staff": ["不能为负"], "funds": ["不能为负"]})
    admission = Admission.objects.create(
        division_id=county, code=_next_admission_code(county), department=department, title=title,
        description=description, legal_basis=legal_basis, staff=staff, funds=funds, systems=systems,
        valid_until=valid_until, filed_by=user if getattr(user, "pk", None) else None,
        history=[_step(user, "file", reason=title)],
    )
    if towns:
        admission.towns.set(towns)
    return admission


@_as_user
@transaction.atomic
def admission_review(*, admission: Admission, decision: str, reason: str, user: Any = None) -> Admission:
    """The reform office approves, rejects or returns a request for changes, always with reasons."""
    _require_role(user, REFORM, "审核准入申请")
    _require_scope(user, admission.division_id, "审核准入申请")
    if decision not in ReviewDecision.values:
        raise PlatformError("审核结论须为 approve（同意）、reject（不同意）或 return（退回修改）",
                            fields={"decision": ["取值有误"]})
    reason = _reason(reason, "reason", "审核意见")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.state != AdmissionState.SUBMITTED:
        raise Conflict(f"准入申请 {admission.code} 当前状态为“{admission.get_state_display()}”，不能审核",
                       code="bad_state")
    admission.state = {ReviewDecision.APPROVE: AdmissionState.APPROVED, ReviewDecision.REJECT: AdmissionState.REJECTED,
                       ReviewDecision.RETURN: AdmissionState.RETURNED}[ReviewDecision(decision)]
    admission.history = [*admission.history, _step(user, "review", decision, reason)]
    admission.save()
    return admission


@_as_user
@transaction.atomic
def admission_resubmit(*, admission: Admission, user: Any = None, reason: str = "", **changes: Any) -> Admission:
    """The department answers a return for changes and submits again."""
    _require_role(user, DEPT + REFORM, "修改准入申请")
    _require_scope(user, admission.division_id, "修改准入申请")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.state != AdmissionState.RETURNED:
        raise Conflict("只有被退回修改的申请才能重新提交", code="bad_state")
    for field in ("title", "description", "legal_basis", "staff", "funds", "systems", "valid_until"):
        if field in changes and changes[field] is not None:
            setattr(admission, field, changes[field])
    admission.state = AdmissionState.SUBMITTED
    admission.history = [*admission.history, _step(user, "resubmit", reason=_reason(reason, "reason", "修改说明"))]
    admission.save()
    return admission


@_as_user
@transaction.atomic
def admission_withdraw(*, admission: Admission, reason: str, user: Any = None) -> Admission:
    _require_role(user, DEPT + REFORM, "撤回准入申请")
    _require_scope(user, admission.division_id, "撤回准入申请")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.state not in (AdmissionState.SUBMITTED, AdmissionState.RETURNED):
        raise Conflict(f"当前状态“{admission.get_state_display()}”不能撤回", code="bad_state")
    admission.state = AdmissionState.WITHDRAWN
    admission.history = [*admission.history, _step(user, "withdraw", reason=_reason(reason))]
    admission.save()
    return admission


def admission_require(*, town: Division | str, admission: Admission | str | None, task: str = "",
                      on: dt.date | None = None, user: Any = None) -> Admission:
    """THE gate: may this task be handed to this town? Returns the admission or refuses.

    Every place in the platform that hands work from a county department to a town must call
    this. It refuses a task without an approved admission, naming the admission that is
    missing (or the one that is not approved, expired, or does not cover the town).
    With `user`, an admission code is looked up among the admissions the user can see: one
    outside their scope gets exactly the answer of a code that does not exist (its title and
    state are never named).
    """
    town = _town(town)
    on = on or timezone.localdate()
    label = f"“{task}”" if task else "该任务"
    if admission is None or admission == "":
        raise PlatformError(
            f"交办任务{label}未经交办事项准入：缺少编办批准的准入（请县级部门先在“交办事项准入”中申请）",
            code="admission_missing", fields={"admission": ["缺少交办事项准入"]})
    if isinstance(admission, str):
        code = admission
        candidates: Any = Admission.objects.visible_to(user) if user is not None else Admission.objects.all()
        found: Admission | None = candidates.filter(code=code).first()
        if found is None:
            raise PlatformError(f"交办任务{label}未经准入：准入编号 {code} 不存在", code="admission_missing",
                                fields={"admission": [f"准入 {code} 不存在"]})
        row = found
    else:
        row = Admission.objects.get(pk=admission.pk)  # the gate reads the state as stored, never a stale copy
    name = f"准入 {row.code}“{row.title}”"
    if row.state != AdmissionState.APPROVED:
        raise PlatformError(f"交办任务{label}未经准入：{name} 状态为“{row.get_state_display()}”，尚未获编办批准",
                            code="admission_not_approved", fields={"admission": [f"{row.code} 未批准"]})
    if row.valid_until and on > row.valid_until:
        raise PlatformError(f"交办任务{label}未经准入：{name} 已于 {row.valid_until} 到期", code="admission_expired",
                            fields={"admission": [f"{row.code} 已到期"]})
    if not town.code.startswith(row.division_id[:6]):
        raise PlatformError(f"交办任务{label}未经准入：{name} 属于其他县（市、区），不适用于{town.name}",
                            code="admission_other_county", fields={"admission": ["准入不适用于该乡镇"]})
    targets = list(row.towns.values_list("code", flat=True))
    if targets and town.code not in targets:
        raise PlatformError(f"交办任务{label}未经准入：{name} 的承接乡镇不包括{town.name}", code="admission_not_for_town",
                            fields={"admission": ["准入不包括该乡镇"]})
    return row


@_as_user
@transaction.atomic
def assignment_create(*, town: Division, admission: Admission | str | None, title: str, detail: str = "",
                      due_date: dt.date | None = None, user: Any = None) -> Assignment:
    """Hand a task to a town (交办). Refused unless admitted (admission_require)."""
    _require_town(town)
    _require_role(user, DEPT + REFORM + (Role.COUNTY_COMMAND,), "向乡镇交办任务")
    _require_scope(user, town.code, "向乡镇交办任务")
    title = _reason(title, "title", "交办内容")
    found = admission_require(town=town, admission=admission, task=title, user=user)
    return Assignment.objects.create(division=town, admission=found, department=found.department, title=title,
                                     detail=detail, due_date=due_date)
