"""双重管理: the host town's powers over stationed bodies — dispatch (调度权), appointment
suggestions (任免建议权) — and the two sides' annual scores."""
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from assess.choices import (
    SUGGESTION_ANSWER_DAYS,
    Assessor,
)
from assess.models import (
    AppointmentSuggestion,
    DualScore,
    StationedDispatch,
)
from assess.services._common import _as_user
from core.errors import NotAllowed, NotFound, PlatformError
from core.roles import Role, has_role

# ---------------------------------------------------------------- dual management (双重管理)

def _stationed_in_town(user: Any, unit: Any) -> None:
    from org.models import Unit

    if unit.kind != "stationed":
        raise PlatformError("只能对派驻机构行使调度权、考核权和任免建议权", code="not_stationed",
                            fields={"unit": ["须为派驻机构"]})
    if user is not None and not Unit.objects.writable_by(user).filter(pk=unit.pk).exists():
        raise NotFound("派驻机构不存在或不在您的管辖范围内")


def dispatch_record(*, user: Any, unit: Any, task: str, due_at: dt.datetime, staff: Iterable[Any] = ()) -> StationedDispatch:
    """调度权: the host town dispatches a stationed body (and its staff) to a task; counts in its score."""
    _stationed_in_town(user, unit)
    if not has_role(user, Role.TOWN_COMMAND, Role.LEADER) and not getattr(user, "is_superuser", False):
        raise NotAllowed("只有乡镇指挥中心或领导可以调度派驻机构")
    if not task.strip():
        raise PlatformError("请填写任务", fields={"task": ["必填"]})
    staff = list(staff)
    if any(s.unit_id != unit.pk for s in staff):
        raise PlatformError("调度人员须为该派驻机构的人员", fields={"staff": ["不属于该机构"]})
    with transaction.atomic(), _as_user(user):
        row = StationedDispatch.objects.create(division_id=unit.division_id, unit=unit, task=task.strip(),
                                               due_at=due_at, created_by=user)
        row.staff.set(staff)
    return row


def dispatch_complete(*, user: Any, dispatch: StationedDispatch, result: str, at: dt.datetime | None = None) -> StationedDispatch:
    if dispatch.completed_at is not None:
        raise PlatformError("该调度任务已完成", code="already_done", status=409)
    with transaction.atomic(), _as_user(user):
        dispatch.completed_at = at or timezone.now()
        dispatch.result = result
        dispatch.save(update_fields=["completed_at", "result"])
    return dispatch


def suggestion_create(*, user: Any, unit: Any, suggestion: str, head: Any = None) -> AppointmentSuggestion:
    """任免建议权: a suggestion about a stationed body's head, sent to its home department, which
    must answer within `SUGGESTION_ANSWER_DAYS` working days."""
    from core.workcal import due_time

    _stationed_in_town(user, unit)
    if unit.home_department_id is None:
        raise PlatformError("该派驻机构未登记派出部门", code="no_home_department")
    if not suggestion.strip():
        raise PlatformError("请填写建议内容", fields={"suggestion": ["必填"]})
    now = timezone.now()
    with transaction.atomic(), _as_user(user):
        return AppointmentSuggestion.objects.create(
            division_id=unit.division_id, unit=unit, department_id=unit.home_department_id, head=head,
            suggestion=suggestion.strip(), created_by=user, created_at=now,
            answer_due=due_time(now, SUGGESTION_ANSWER_DAYS, "days").due_at)


def suggestion_answer(*, user: Any, suggestion: AppointmentSuggestion, answer: str) -> AppointmentSuggestion:
    """The home department's answer (a handler or leader of that department)."""
    if getattr(user, "unit_id", None) != suggestion.department_id and not getattr(user, "is_superuser", False):
        raise NotAllowed("只有派出部门可以答复任免建议")
    if suggestion.answered_at is not None:
        raise PlatformError("该建议已答复", code="already_answered", status=409)
    if not answer.strip():
        raise PlatformError("请填写答复", fields={"answer": ["必填"]})
    with transaction.atomic(), _as_user(user):
        suggestion.answered_at, suggestion.answer, suggestion.answered_by = timezone.now(), answer.strip(), user
        suggestion.save(update_fields=["answered_at", "answer", "answered_by"])
    return suggestion


def dual_score_record(*, user: Any, unit: Any, year: int, assessor: str, score: Decimal, note: str = "",
                      staff: Any = None) -> DualScore:
    """The host town's (town command / leader of the host town) or the home department's (its own
    staff) annual score of a stationed body, or of one of its staff (`staff`), 0–100. One per side,
    year and person (a second is a 409)."""
    from org.models import Unit

    if unit.kind != "stationed":
        raise PlatformError("只能对派驻机构评分", fields={"unit": ["须为派驻机构"]})
    if staff is not None and staff.unit_id != unit.pk:
        raise PlatformError("该人员不属于此派驻机构", fields={"staff": ["不属于该机构"]})
    if assessor == Assessor.TOWN:
        if not Unit.objects.writable_by(user).filter(pk=unit.pk).exists() or not (
                has_role(user, Role.TOWN_COMMAND, Role.LEADER) or getattr(user, "is_superuser", False)):
            raise NotAllowed("属地评分须由派驻机构所在乡镇的指挥中心或领导登记")
    elif assessor == Assessor.DEPARTMENT:
        if getattr(user, "unit_id", None) != unit.home_department_id and not getattr(user, "is_superuser", False):
            raise NotAllowed("部门评分须由派出部门登记")
    else:
        raise PlatformError("考核方只能是属地乡镇或派出部门", fields={"assessor": [assessor]})
    value = Decimal(str(score))
    if not Decimal(0) <= value <= Decimal(100):
        raise PlatformError("得分须在 0 到 100 之间", fields={"score": [str(score)]})
    if DualScore.objects.filter(unit=unit, staff=staff, year=year, assessor=assessor).exists():
        raise PlatformError("该年度已登记此方评分", code="duplicate", status=409)
    with transaction.atomic(), _as_user(user):
        return DualScore.objects.create(division_id=unit.division_id, unit=unit, staff=staff, year=year,
                                        assessor=assessor, score=value, note=note, recorded_by=user)
