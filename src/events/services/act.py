"""Acting on an event: `event_act`, the only way an event changes (one row of the transition table,
compare-and-set on `version`, one append-only step)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import audit
from core.errors import Conflict, NotAllowed, NotFound, PlatformError
from core.roles import Role, has_role
from core.scoping import code_level
from core.workcal import due_time
from events import hooks, lifecycle, photos, routing
from events.choices import Level, LimitUnit
from events.lifecycle import Actor, IllegalTransition, State
from events.models import Event, EventCounter, Step
from events.services._common import (
    WARN_SHARE,
    _actor_name,
    _as,
    _attach_photos,
    _due,
    _warn,
    event_class_for,
    working_hours_between,
)
from org.models import Unit


@dataclass
class Params:
    """What an action may carry (the API passes the request body through)."""

    note: str = ""
    reason: str = ""
    passed: bool | None = None     # verify
    approve: bool | None = None    # extend (centre's decision)
    amount: Any = None             # extend: amount …
    unit_of_amount: str = LimitUnit.HOURS  # … in working hours or days
    unit: Unit | None = None       # accept / dispatch: the handling unit (override)
    level: str | None = None       # accept / dispatch: the level (override)
    category: Any = None           # accept: classify
    admission: Any = None          # hand down through an admitted task (准入编号)
    rating: Any = None             # rate: 1–5
    into: Event | None = None      # merge: the open event this one joins
    units: Sequence[Unit] = ()     # call: the county departments called (乡呼县应)
    photo_files: Sequence[Any] = ()
    until: dt.datetime | None = None  # extend: the new deadline asked for (instead of `amount`)


def _allowed(event: Event, user: Any) -> list[str]:
    return event.available_actions(user)


def _outcome(event: Event, action: str, p: Params) -> str:
    if action == "verify":
        if p.passed is None:
            raise PlatformError("请给出核查结论（通过或不通过）", code="required", fields={"passed": ["必填"]})
        return lifecycle.Outcome.PASSED if p.passed else lifecycle.Outcome.FAILED
    if action == "extend":
        if event.state == State.EXTENSION_REQUESTED:
            if p.approve is None:
                raise PlatformError("请给出是否同意延期", code="required", fields={"approve": ["必填"]})
            return lifecycle.Outcome.APPROVED if p.approve else lifecycle.Outcome.REFUSED
        return lifecycle.Outcome.REQUESTED
    return ""


def _refuse_actor(row: lifecycle.Transition, event: Event, user: Any) -> NotAllowed:
    allowed = _allowed(event, user)
    if Actor.HANDLER in row.actors and event.reporter_id == getattr(user, "pk", None):
        return NotAllowed("上报人不能处置自己上报的事件（巡办分离）", code="patrol_handle_separation",
                          fields={"allowed": allowed})
    who = "、".join(str(Actor(a).label) for a in row.actors)
    return NotAllowed(f"“{lifecycle.Action(row.action).label}”只能由{who}操作", code="not_your_step",
                      fields={"allowed": allowed})


def _amount(p: Params) -> tuple[float, str]:
    try:
        amount = Decimal(str(p.amount))
    except (InvalidOperation, ValueError):
        amount = Decimal(0)
    if amount <= 0 or amount > 1000:
        raise PlatformError("请填写延期时长（正数）", code="required", fields={"amount": ["须为正数"]})
    if p.unit_of_amount not in LimitUnit.values:
        raise PlatformError("延期单位只能是 hours 或 days", fields={"unit_of_amount": ["hours 或 days"]})
    return float(amount), p.unit_of_amount


def _extension(event: Event, p: Params, now: dt.datetime) -> tuple[float, str]:
    """The extension asked for: `until` (a new deadline) becomes the working hours between the
    current deadline and it (so the extended deadline falls on `until`, or at the close of the last
    working period before it); otherwise `amount` + `unit_of_amount`. 400 naming `until` for a time
    not after the current deadline or with no working time in between."""
    if p.until is None:
        return _amount(p)
    base = event.due_at or now
    if p.until <= base:
        raise PlatformError(f"延期后的办结时限须晚于现办结时限 {timezone.localtime(base):%Y-%m-%d %H:%M}",
                            code="bad_until", fields={"until": ["须晚于现办结时限"]})
    hours = round(working_hours_between(base, p.until), 2)
    if hours <= 0:
        raise PlatformError("现办结时限与延期至的时间之间没有工作时间", code="bad_until",
                            fields={"until": ["其间须有工作时间"]})
    return hours, LimitUnit.HOURS


def _next_code(county: str, class_code: str) -> str:
    """division 6 + class 5 + a 6-digit sequence per county and class (the row is locked by the update)."""
    for _ in range(3):
        n = EventCounter.objects.filter(division_id=county, class_code=class_code).update(last=F("last") + 1)
        if n:
            last = EventCounter.objects.filter(division_id=county, class_code=class_code).values_list(
                "last", flat=True).get()
            return f"{county[:6]}{class_code}{last:06d}"
        try:
            with transaction.atomic():
                EventCounter.objects.create(division_id=county, class_code=class_code, last=1)
            return f"{county[:6]}{class_code}{1:06d}"
        except IntegrityError:
            continue  # created by a concurrent 受理: take the update path
    raise Conflict("事件编号分配冲突，请重试", code="code_conflict")


def _county_of(event: Event) -> str:
    return event.county_id or (event.division_id[:6] + "000000")


def _town_unit(unit: Unit) -> bool:
    return code_level(unit.division_id) in ("town", "village")


def _assign(event: Event, user: Any, p: Params, changes: dict[str, Any], data: dict[str, Any]) -> None:
    """accept / dispatch: an override of unit or level needs a reason; handing down (下派) to a
    town from a county or city centre is checked against the catalog (routing.check_hand_down)."""
    unit = p.unit
    level = p.level or None
    if level and level not in Level.values:
        raise PlatformError("层级只能是 town、county 或 city", fields={"level": ["town/county/city"]})
    if unit is not None and not Unit.objects.visible_to(user).filter(pk=unit.pk).exists():
        raise PlatformError("承办单位不存在或不在您的管辖范围内", fields={"unit": ["不可见"]})
    overridden = (unit is not None and unit.pk != event.proposed_unit_id) or (level and level != event.proposed_level)
    if overridden and not p.reason.strip():
        raise PlatformError("改变建议的承办单位或层级须说明理由", code="reason_required", fields={"reason": ["必填"]})
    new_level = level or event.level
    hands_down = lifecycle.LEVEL_RANK[event.level] > 0 and (
        new_level == Level.TOWN or (unit is not None and _town_unit(unit)))
    if hands_down:
        if not event.town_id:
            raise PlatformError("事件未定位到乡镇（街道），不能下派", code="hand_down_refused", fields={"level": ["无乡镇"]})
        rule = routing.check_hand_down(town=event.town_id, event_class=event.event_class, admission=p.admission,
                                       on=timezone.localdate())
        data["hand_down"] = rule
        if unit is not None and _town_unit(unit) and not unit.division_id.startswith(event.town_id[:9]):
            raise PlatformError("只能下派给事件所在乡镇（街道）的机构", fields={"unit": ["须为事件所在乡镇的机构"]})
    if unit is not None:
        changes["unit_id"] = unit.pk
        data["unit"] = {"id": unit.pk, "name": unit.name}
    if level:
        changes["level"] = level
        data["level"] = level
    if overridden:
        data["override"] = {"reason": p.reason.strip(), "proposed_unit": event.proposed_unit_id,
                            "proposed_level": event.proposed_level}


Effect = Callable[[Event, Any, Params, dict[str, Any], dict[str, Any], dt.datetime], None]


def _accept(event: Event, user: Any, p: Params, changes: dict[str, Any], data: dict[str, Any],
            now: dt.datetime) -> None:
    cls = event_class_for(p.category) if p.category not in (None, "") else event.event_class
    if cls is None:
        raise PlatformError("受理前须确定事件类别", code="category_required", fields={"category": ["必填"]})
    if cls.pk != event.event_class_id:
        location = routing.Location(event.location_status, village=event.village_id, town=event.town_id,
                                    county=event.county_id, division=event.division_id)
        proposal = routing.route(cls, location, routing.effective_severity(cls, event.severity),
                                 timezone.localdate(now))
        event.event_class, event.proposed_unit_id, event.proposed_level = cls, proposal.unit_id, proposal.level
        due_at, prov = _due(event.reported_at, cls, lifecycle.DUE_HANDLE)
        changes.update(event_class_id=cls.pk, matter_id=proposal.matter_id, proposed_unit_id=proposal.unit_id,
                       proposed_level=proposal.level, unit_id=proposal.unit_id, level=proposal.level,
                       cooperating=proposal.cooperating, routing=proposal.as_dict(), due_at=due_at,
                       escalate_at=due_at, warn_at=_warn(event.reported_at, cls), due_provisional=prov)
        event.level = proposal.level
        event.unit_id = proposal.unit_id
        data["category"] = cls.code
    _assign(event, user, p, changes, data)
    changes["code"] = _next_code(_county_of(event), cls.code)
    changes["accepted_at"] = now
    data["code"] = changes["code"]


def _dispatch(event: Event, user: Any, p: Params, changes: dict[str, Any], data: dict[str, Any],
              now: dt.datetime) -> None:
    _assign(event, user, p, changes, data)
    unit_id = changes.get("unit_id", event.unit_id)
    if not unit_id:
        raise PlatformError("请指定承办单位", code="unit_required", fields={"unit": ["必填"]})
    reporter = event.reporter
    if reporter is not None and reporter.unit_id == unit_id and has_role(reporter, Role.DEPT_HANDLER):
        raise NotAllowed("不能派给上报人所在单位处置：上报人不能处置自己上报的事件（巡办分离）",
                         code="patrol_handle_separation")
    if "unit" not in data:
        data["unit"] = {"id": event.unit_id, "name": event.unit.name if event.unit else ""}
    changes["dispatched_at"] = now


def _merge(event: Event, user: Any, p: Params, changes: dict[str, Any], data: dict[str, Any],
           now: dt.datetime) -> None:
    assert p.into is not None  # the row needs `into` (lifecycle.NEEDS), checked before any effect
    target = Event.objects.visible_to(user).filter(pk=p.into.pk).first()
    if target is None or target.pk == event.pk or not target.is_open or target.merged_into_id:
        raise PlatformError("只能合并到另一个在办事件", code="bad_merge_target", fields={"into": ["须为另一个在办事件"]})
    changes["merged_into_id"] = target.pk
    data["into"] = {"id": target.pk, "code": target.code}


def _extend(event: Event, user: Any, p: Params, changes: dict[str, Any], data: dict[str, Any],
            now: dt.datetime) -> None:
    if event.state == State.DISPATCHED:
        amount, unit = _extension(event, p, now)
        data["requested"] = {"amount": amount, "unit": unit}
        if p.until is not None:
            data["requested"]["until"] = timezone.localtime(p.until).isoformat()
        return
    if not p.approve:
        return
    requested = _last_extension_request(event)
    if p.amount not in (None, "") or p.until is not None:
        amount, unit = _extension(event, p, now)
    elif requested:
        amount, unit = float(requested["amount"]), requested["unit"]
    else:
        raise PlatformError("请填写延期时长", code="required", fields={"amount": ["必填"]})
    base = event.due_at or now
    found = due_time(base, amount, unit)
    changes["due_at"] = found.due_at
    changes["escalate_at"] = found.due_at  # the sweep escalates only after the extended deadline
    changes["warn_at"] = due_time(base, amount * WARN_SHARE, unit).due_at
    changes["due_provisional"] = found.provisional
    data["granted"] = {"amount": amount, "unit": unit, "from": base.isoformat(), "due_at": found.due_at.isoformat()}


def _last_extension_request(event: Event) -> dict[str, Any] | None:
    step = event.steps.filter(action="extend", outcome=lifecycle.Outcome.REQUESTED).order_by("-seq").first()
    return step.data.get("requested") if step else None


def _resume(event: Event, changes: dict[str, Any], data: dict[str, Any], now: dt.datetime) -> None:
    """The clock stops while suspended: the working time spent suspended is added to every open
    due time of the event — its deadline, warning mark, escalation time, the current step's due
    and the report-in / answer times of calls not yet met — and recorded on the step
    (`suspended_hours`, and `moved`: each due time before → after)."""
    from core.workcal import add_working_hours
    from events.services.calls import shift_open_calls

    changes["suspended_from"] = ""
    since = event.steps.filter(action="suspend").order_by("-seq").values_list("at", flat=True).first()
    hours = working_hours_between(since, now) if since else 0.0
    data["suspended_hours"] = round(hours, 4)
    if hours <= 0:
        return
    moved: dict[str, list[str]] = {}
    for name in ("due_at", "warn_at", "escalate_at", "step_due_at"):
        value = getattr(event, name)
        if value is not None:
            changes[name] = add_working_hours(value, hours)
            moved[name] = [timezone.localtime(value).isoformat(), timezone.localtime(changes[name]).isoformat()]
    moved.update(shift_open_calls(event, hours))
    data["moved"] = moved
    if event.due_at is not None:
        data["due_at"] = changes["due_at"].isoformat()


def _rate(event: Event, user: Any, p: Params, changes: dict[str, Any], data: dict[str, Any],
          now: dt.datetime) -> None:
    try:
        rating = int(p.rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise PlatformError("评价须为 1 到 5 的整数", code="bad_rating", fields={"rating": ["1–5"]})
    changes["rating"] = rating
    data["rating"] = rating


def _clear_duplicate(event: Event, user: Any, p: Params, changes: dict[str, Any], data: dict[str, Any],
                     now: dt.datetime) -> None:
    if not event.duplicate_of:
        raise Conflict("该事件没有疑似重复标记", code="not_flagged")
    changes["duplicate_of"] = []
    data["cleared"] = list(event.duplicate_of)


def _call_effects() -> dict[str, Effect]:
    from events.services import calls

    return {"call": calls.call_effect, "report-in": calls.report_in_effect, "answer": calls.answer_effect}


EFFECTS: dict[str, Effect] = {
    "accept": _accept,
    "clear-duplicate": _clear_duplicate,
    "dispatch": _dispatch,
    "merge": _merge,
    "extend": _extend,
    "rate": _rate,
    "file": lambda e, u, p, c, d, now: c.update(filed_at=now),
    "close": lambda e, u, p, c, d, now: c.update(closed_at=now),
    "suspend": lambda e, u, p, c, d, now: c.update(suspended_from=e.state),
    "resume": lambda e, u, p, c, d, now: _resume(e, c, d, now),
    "supervise": lambda e, u, p, c, d, now: c.update(priority=e.priority + 1),
    **_call_effects(),
}


def _step_due(row: lifecycle.Transition, event: Event, changes: dict[str, Any],
              now: dt.datetime) -> tuple[dt.datetime | None, bool]:
    cls = event.event_class
    if row.due == lifecycle.DUE_EVENT:
        return changes.get("due_at", event.due_at), bool(changes.get("due_provisional", event.due_provisional))
    if row.due == lifecycle.DUE_SAME:
        return changes.get("step_due_at", event.step_due_at), event.due_provisional
    return _due(now, cls, row.due)


def _given(p: Params, cleaned: list[photos.CleanPhoto], attr: str) -> bool:
    if attr == "photo_files":
        return bool(cleaned)  # the photos that passed `photos.clean_uploads`
    value = getattr(p, attr)
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple)):
        return bool(value)
    return value is not None and value != ""


def _require_needs(row: lifecycle.Transition, p: Params, cleaned: list[photos.CleanPhoto]) -> None:
    """Refuse (400, the field named) a step without what its row of the table needs
    (`lifecycle.NEEDS`): the one place these rules are enforced, whoever calls (API, pages, phone).
    Whether a value is good (a rating of 1–5, an open merge target, a deadline after the current
    one) is the action's effect's to say."""
    for name in row.needs:
        need = lifecycle.NEEDS[name]
        if not any(_given(p, cleaned, attr) for attr in need.given_by):
            raise PlatformError(f"“{lifecycle.Action(row.action).label}”须{need.ask}", code=need.code,
                                fields={need.field: [need.ask]})


def event_act(*, event: Event | int, action: str, user: Any, params: Params | None = None) -> Event:
    """Take `action` (an English verb of `lifecycle.ACTIONS`) on an event as `user`.

    Errors: 404 when the event is not visible; 409 `illegal_action` with `fields.allowed` when the
    table has no such action from the current state; 403 when the user may not take it (巡办分离
    named); 400 for what the row needs and was not given (`lifecycle.NEEDS`: reason, note, photo,
    new deadline, rating, merge target, called units — `_require_needs`) and for a bad value or a
    missing unit or class; 409 `stale` when someone else changed the
    event in the meantime (the compare-and-set on `version` failed)."""
    p = params or Params()
    if action not in lifecycle.ACTIONS:
        raise NotFound(f"没有“{action}”这个操作", code="unknown_action",
                       fields={"allowed": list(lifecycle.ACTIONS)})
    pk = event.pk if isinstance(event, Event) else event
    cleaned = photos.clean_uploads(list(p.photo_files))
    with transaction.atomic():
        current = Event.objects.visible_to(user).select_related("event_class", "event_class__matter", "unit",
                                                                "reporter").filter(pk=pk).first()
        if current is None:
            raise NotFound("事件不存在或不在您的管辖范围内")
        return _act(current, action, user, p, cleaned)


def _act(event: Event, action: str, user: Any, p: Params, cleaned: list[photos.CleanPhoto]) -> Event:
    state, version = event.state, event.version
    try:
        row = lifecycle.find(state, action, _outcome(event, action, p))
    except IllegalTransition:
        allowed = _allowed(event, user)
        raise Conflict(f"事件当前状态为“{State(state).label}”，不能“{lifecycle.Action(action).label}”；"
                       f"现在可以：{'、'.join(str(lifecycle.Action(a).label) for a in allowed) or '无'}",
                       code="illegal_action", fields={"allowed": allowed})
    if not lifecycle.may_take(row, event, user):
        raise _refuse_actor(row, event, user)
    _require_needs(row, p, cleaned)
    now = timezone.now()
    before = audit.snapshot(event)
    changes: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if p.reason.strip():
        data["reason"] = p.reason.strip()
    effect = EFFECTS.get(action)
    if effect is not None:
        effect(event, user, p, changes, data, now)
    counter = lifecycle.COUNTERS.get((action, row.outcome))
    if counter:
        changes[counter] = getattr(event, counter) + 1
    event.take(action, row.outcome)
    new_state = event.state
    step_due, step_prov = _step_due(row, event, changes, now)
    changes.update(state=new_state, state_kind=lifecycle.KIND[new_state], version=version + 1, updated_at=now,
                   step_due_at=step_due)
    updated = Event.objects.filter(pk=event.pk, version=version, state=state).update(**changes)
    if not updated:
        fresh = Event.objects.get(pk=event.pk)
        raise Conflict("事件已被他人处理，请刷新后重试", code="stale", fields={"allowed": _allowed(fresh, user)})
    fresh = Event.objects.select_related("event_class", "unit").get(pk=event.pk)
    step = Step(
        event=fresh, seq=version + 1, action=action, outcome=row.outcome, actor=user if getattr(user, "pk", None)
        else None, actor_name=_actor_name(user), unit_id=getattr(user, "unit_id", None), at=now,
        note=(p.note or p.reason).strip()[:2000], from_state=state, to_state=new_state, level=fresh.level,
        due_at=step_due, due_provisional=step_prov, data=data)
    Step.objects.bulk_create([step])  # the unique (event, seq) is a second guard behind the compare-and-set
    with _as(user):
        audit.record_many([(fresh, "update", before, audit.snapshot(fresh)),
                           (step, "create", None, audit.snapshot(step))])
    _attach_photos(fresh, step, cleaned)
    hooks.step_written(fresh, step)
    return fresh
