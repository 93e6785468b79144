"""乡呼县应 (town calls): the effects of the `call`, `report-in` and `answer` rows of the lifecycle table.

A town centre calls (吹哨) one or more county departments of the event's county on an event of the
town's level, with a reason. Each called department must report in (报到) within
`EVENTS_CALL_REPORT_IN_HOURS` working hours (default 1) and then answer within the answer limit
(`amount` working hours given by the caller, default `EVENTS_CALL_ANSWER_HOURS`, 4), both counted on
the working calendar from the call. A department that misses either is marked unanswered and the
call is escalated to the county centre by the deadline sweep (`services.sweep`). Every call and every
department's outcome is a row with its times (`TownCall`, `CallDepartment`): assessment reads them.

The functions here run inside `event_act`'s transaction, before its compare-and-set on the event:
if that fails, the rows written here roll back with it.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.timezone import localtime

from core import audit
from core.errors import Conflict, PlatformError
from core.workcal import add_working_hours, due_time
from events.choices import Level
from events.models import CallDepartment, CallOutcome, Event, TownCall
from events.services._common import _actor_name
from org.choices import UnitKind
from org.models import Unit

OPEN_OUTCOMES = (CallOutcome.PENDING, CallOutcome.REPORTED_IN, CallOutcome.UNANSWERED)


def _hours(value: Any, default: float, field: str) -> float:
    if value in (None, ""):
        return default
    try:
        hours = float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        hours = -1.0
    if not 0 < hours <= 200:
        raise PlatformError("答复时限须为 0 到 200 之间的工作小时数", code="bad_amount", fields={field: ["0–200"]})
    return hours


def county_of(event: Event) -> str:
    return event.county_id or (event.division_id[:6] + "000000")


def call_effect(event: Event, user: Any, p: Any, changes: dict[str, Any], data: dict[str, Any],
                now: dt.datetime) -> None:
    """`call`: write the TownCall and one CallDepartment per unit; the units become `called_units`
    (the actors of `report-in` / `answer`). 400 for an event not at the town level, a unit
    that is not a county department of the event's county; 409 for a unit already called and not
    yet answered."""
    if event.level != Level.TOWN:
        raise PlatformError("只有镇街层级的事件可以乡呼县应", code="not_town_level", fields={"level": ["须为镇街层级"]})
    units = list(dict.fromkeys(p.units))  # at least one: the row needs `units` (checked by event_act)
    county = county_of(event)
    visible = set(Unit.objects.visible_to(user).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True))
    for unit in units:
        if unit.pk not in visible or unit.kind != UnitKind.COUNTY_DEPARTMENT or unit.division_id != county:
            raise PlatformError(f"“{unit.name}”不是本县（市、区）的县级部门，不能呼叫" if unit.pk in visible
                                else "被呼叫的部门不存在或不在您的管辖范围内", code="bad_called_unit",
                                fields={"units": ["须为事件所在县的县级部门"]})
    pending = set(event.called_units or ())
    again = [u.name for u in units if u.pk in pending]
    if again:
        raise Conflict(f"{'、'.join(again)}已被呼叫且尚未答复", code="already_called", fields={"units": again})
    report_hours = float(getattr(settings, "EVENTS_CALL_REPORT_IN_HOURS", 1))
    answer_hours = _hours(p.amount, float(getattr(settings, "EVENTS_CALL_ANSWER_HOURS", 4)), "amount")
    report_in_due = due_time(now, report_hours, "hours").due_at
    answer_due = due_time(now, answer_hours, "hours").due_at
    call = TownCall.objects.create(event=event, reason=p.reason.strip()[:2000], called_by=user,
                                   called_by_name=_actor_name(user), at=now, seq=event.version + 1)
    rows = [CallDepartment(call=call, unit=unit, report_in_due=report_in_due, answer_due=answer_due)
            for unit in units]
    CallDepartment.objects.bulk_create(rows)
    audit.record_bulk(rows)
    changes["called_units"] = [*pending, *(u.pk for u in units)]
    data["call"] = {"id": call.pk, "units": [{"id": u.pk, "name": u.name} for u in units],
                    "report_in_due": report_in_due.isoformat(), "answer_due": answer_due.isoformat()}


def _own_open_row(event: Event, user: Any) -> CallDepartment:
    row = (CallDepartment.objects.select_related("call").filter(
        call__event=event, unit_id=getattr(user, "unit_id", None), answered_at__isnull=True)
        .order_by("-call__at").first())
    if row is None:
        raise Conflict("您的部门没有待答复的呼叫", code="no_open_call")
    return row


def _save(row: CallDepartment, before: dict[str, Any], **values: Any) -> None:
    """Compare-and-set on the row's outcome, so a sweep marking it unanswered meanwhile is not lost."""
    n = CallDepartment.objects.filter(pk=row.pk, outcome=row.outcome).update(**values)
    if not n:
        raise Conflict("呼叫状态已变化，请刷新后重试", code="stale")
    for name, value in values.items():
        setattr(row, name, value)
    audit.record(row, "update", before, audit.snapshot(row))


def report_in_effect(event: Event, user: Any, p: Any, changes: dict[str, Any], data: dict[str, Any],
                     now: dt.datetime) -> None:
    """`report-in` (报到) by a dept handler of a called unit; late if after `report_in_due`."""
    row = _own_open_row(event, user)
    if row.reported_in_at is not None:
        raise Conflict("您的部门已报到，请答复", code="already_reported_in")
    before = audit.snapshot(row)
    outcome = CallOutcome.REPORTED_IN if row.outcome == CallOutcome.PENDING else row.outcome
    _save(row, before, reported_in_at=now, reported_in_by_id=user.pk, outcome=outcome)
    data["call"] = {"id": row.call_id, "unit": row.unit_id, "in_time": now <= row.report_in_due}


def answer_effect(event: Event, user: Any, p: Any, changes: dict[str, Any], data: dict[str, Any],
                  now: dt.datetime) -> None:
    """`answer` (答复) after reporting in; on time only if reported in and answered by their dues
    and not escalated meanwhile, else `answered_late`. The unit leaves `called_units`."""
    row = _own_open_row(event, user)
    if row.reported_in_at is None:
        raise PlatformError("请先报到，再答复", code="report_in_first")
    before = audit.snapshot(row)
    on_time = row.outcome == CallOutcome.REPORTED_IN and now <= row.answer_due
    _save(row, before, answered_at=now, answered_by_id=user.pk, answer=(p.note or p.reason).strip()[:2000],
          outcome=CallOutcome.ANSWERED if on_time else CallOutcome.ANSWERED_LATE)
    still = set(CallDepartment.objects.filter(call__event=event, answered_at__isnull=True).values_list(
        "unit_id", flat=True))
    changes["called_units"] = [u for u in (event.called_units or ()) if u in still]
    data["call"] = {"id": row.call_id, "unit": row.unit_id, "in_time": on_time}


def shift_open_calls(event: Event, hours: float) -> dict[str, list[str]]:
    """Resume: add `hours` of working time to the report-in / answer due times not yet met."""
    moved: dict[str, list[str]] = {}
    for row in CallDepartment.objects.filter(call__event=event, answered_at__isnull=True,
                                             outcome__in=OPEN_OUTCOMES).exclude(outcome=CallOutcome.UNANSWERED):
        before = audit.snapshot(row)
        values: dict[str, Any] = {"answer_due": add_working_hours(row.answer_due, hours)}
        if row.reported_in_at is None:
            values["report_in_due"] = add_working_hours(row.report_in_due, hours)
        CallDepartment.objects.filter(pk=row.pk).update(**values)
        for name, value in values.items():
            moved[f"call:{row.pk}:{name}"] = [localtime(getattr(row, name)).isoformat(), localtime(value).isoformat()]
            setattr(row, name, value)
        audit.record(row, "update", before, audit.snapshot(row))
    return moved
