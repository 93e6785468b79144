"""One event's lifecycle walked through `events.lifecycle.TABLE` in memory (`Walk`).

A walk holds its event (a model instance, not yet saved) and its steps as `PlannedStep`s — plain
slotted records with the `Step` model's column names, since building ~8 model instances an event
cost a third of the generator's time (profiled). The state moves by the table row alone
(`lifecycle.find` / `target_of`, which `lifecycle.fsm_methods` also builds the model's django-fsm
methods from), written straight into the instance: the django-fsm method call cost another
seventh and checked the same table again.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from core.workcal import TZ, add_working_hours, due_time, hours_per_day
from events import lifecycle
from events.choices import Level
from events.generator.world import Actor, World
from events.lifecycle import State
from events.models import (
    CallDepartment,
    DeadlineMark,
    Escalation,
    EscalationCause,
    Event,
    EventClass,
    Mark,
    TownCall,
)
from events.services._common import WARN_SHARE, working_hours_between

NEXT_LEVEL: dict[str, str] = {Level.TOWN: Level.COUNTY, Level.COUNTY: Level.CITY}
SWEEP_LAG = dt.timedelta(minutes=1)  # the sweep runs every minute
_SYSTEM = Actor(None, "system")


@dataclass(slots=True)
class PlannedStep:
    """A `Step` row to be written (the model's column names; `event_id` once the event has its id)."""

    event: Event
    seq: int
    action: str
    outcome: str
    actor_id: int | None
    actor_name: str
    unit_id: int | None
    at: dt.datetime
    note: str
    from_state: str
    to_state: str
    level: str
    due_at: dt.datetime | None
    due_provisional: bool
    data: dict[str, Any]

    @property
    def event_id(self) -> int | None:
        return self.event.pk


@functools.cache
def _row(state: str, action: str, outcome: str) -> lifecycle.Transition:
    return lifecycle.find(state, action, outcome)  # TABLE is constant: one lookup per (state, action, outcome)


def limit_hours(cls: EventClass, step: str) -> float:
    """The class's limit for `step` in working hours (days × the working day's hours)."""
    amount, unit = cls.limit(step)
    return amount * (hours_per_day() if unit == "days" else 1.0)


def due(start: dt.datetime, cls: EventClass, step: str | None) -> tuple[dt.datetime | None, bool]:
    """The due time of the class's limit for `step` from `start`, and whether it is provisional."""
    if step not in lifecycle.LIMIT_STEPS:
        return None, False
    amount, unit = cls.limit(step)
    found = due_time(start, amount, unit)
    return found.due_at, found.provisional


def after(start: dt.datetime, hours: float) -> dt.datetime:
    """`hours` of working time after `start`, without the calendar (a step's moment, not a
    deadline: the centres work round the clock, units in the day). Nights are skipped."""
    at = start + dt.timedelta(hours=hours)
    local = at.astimezone(TZ)
    if hours > 0 and not (8 <= local.hour < 18):
        morning = dt.datetime.combine(local.date() + dt.timedelta(days=local.hour >= 18), dt.time(8, 30), TZ)
        at = morning + dt.timedelta(minutes=(hours * 60) % 90)
    return at


class Walk:
    """One event's lifecycle, walked through the table in memory (see the package docstring)."""

    def __init__(self, event: Event, cls: EventClass, world: World, now: dt.datetime) -> None:
        self.event, self.cls, self.world, self.now = event, cls, world, now
        self.state: str = State.REPORTED
        self.steps: list[PlannedStep] = []
        self.at = event.reported_at
        self.left_open: dt.datetime | None = None  # when the event became closed or void
        self.suspended_at: dt.datetime | None = None
        self.merge_target: Walk | None = None
        self.start_level = event.level
        self.escalations: list[Escalation] = []
        self.calls: list[tuple[TownCall, list[CallDepartment]]] = []

    def report(self, actor: Actor, data: dict[str, Any]) -> None:
        ev = self.event
        self._append("report", "", actor, ev.reported_at, ev.description[:500], "", State.REPORTED,
                     ev.step_due_at, ev.due_provisional, data)

    def take(self, action: str, actor: Actor, *, gap: float = 0.0, at: dt.datetime | None = None,
             outcome: str = "", note: str = "", data: dict[str, Any] | None = None) -> bool:
        """Take `action` at `at` (default: `gap` hours after the last step, see `after`); False
        (nothing taken) when that moment is after `now`. An action the table does not allow raises
        `lifecycle.IllegalTransition`."""
        at = max(at, self.at) if at is not None else after(self.at, gap)
        if at > self.now:
            return False
        self.sweep_until(at)
        ev, data = self.event, dict(data or {})
        row = _row(self.state, action, outcome)
        if lifecycle.Actor.CENTRE in row.actors and ev.level != self.start_level and \
                actor == self.world.centre(self.start_level, ev):
            actor = self.world.centre(ev.level, ev)  # escalated: the new level's centre acts
        new = lifecycle.target_of(row, self.state, ev.suspended_from or None)
        ev.__dict__["state"] = new  # the FSM field is protected against assignment, not against the table
        if note and "reason" in row.needs:
            data.setdefault("reason", note)
        stood_in = [n for n in row.needs if n in lifecycle.GENERATED_NEEDS]
        if stood_in:  # e.g. 反馈 needs a photo: none is made, and the step says so (see lifecycle.GENERATED_NEEDS)
            data["generated"] = stood_in
        self._effects(action, row, at, data)
        counter = lifecycle.COUNTERS.get((action, row.outcome))
        if counter:
            setattr(ev, counter, getattr(ev, counter) + 1)
        if row.due == lifecycle.DUE_EVENT:
            step_due, prov = ev.due_at, ev.due_provisional
        elif row.due == lifecycle.DUE_SAME:
            step_due, prov = ev.step_due_at, ev.due_provisional
        else:
            step_due, prov = due(at, self.cls, row.due)
        old, self.state, self.at = self.state, new, at
        ev.state_kind, ev.step_due_at, ev.updated_at = lifecycle.KIND[new], step_due, at
        if lifecycle.KIND[new] != lifecycle.StateKind.OPEN and self.left_open is None:
            self.left_open = at
        self._append(action, row.outcome, actor, at, note, old, new, step_due, prov, data)
        return True

    def _effects(self, action: str, row: lifecycle.Transition, at: dt.datetime, data: dict[str, Any]) -> None:
        ev = self.event
        if action == "accept":
            ev.code = data["code"] = self.world.next_code(ev.county_id or ev.division_id[:6] + "000000", self.cls.code)
            ev.accepted_at = at
        elif action == "file":
            ev.filed_at = at
        elif action == "dispatch":
            unit = data.pop("_unit", ev.unit_id)
            if unit != ev.unit_id:
                data["override"] = {"reason": data.get("reason", ""), "proposed_unit": ev.proposed_unit_id,
                                    "proposed_level": ev.proposed_level}
            ev.unit_id = unit
            data["unit"] = {"id": unit, "name": self.world.units.get(unit, "")}
            ev.dispatched_at = at
        elif action == "close":
            ev.closed_at = at
        elif action == "suspend":
            ev.suspended_from = self.state
            self.suspended_at = at
        elif action == "resume":
            # the clock stops while suspended (services' _resume): the working time spent
            # suspended moves the deadline, the warning mark and the current step's due time
            ev.suspended_from = ""
            hours = working_hours_between(self.suspended_at, at) if self.suspended_at else 0.0
            data["suspended_hours"] = round(hours, 4)
            if hours > 0:
                for name in ("due_at", "warn_at", "escalate_at", "step_due_at"):
                    value = getattr(ev, name)
                    if value is not None:
                        setattr(ev, name, add_working_hours(value, hours))
                if ev.due_at is not None:
                    data["due_at"] = ev.due_at.isoformat()
        elif action == "supervise":
            ev.priority += 1
        elif action == "rate":
            ev.rating = data["rating"]
        elif action == "merge":
            assert self.merge_target is not None
            target = self.merge_target.event
            data["into"] = {"id": None, "code": target.code if (target.accepted_at or at) < at else None}
        elif action == "extend" and row.outcome == lifecycle.Outcome.APPROVED:
            amount, unit = data.pop("_amount")
            base = ev.due_at or at
            found = due_time(base, amount, unit)
            ev.due_at, ev.due_provisional = found.due_at, found.provisional
            ev.escalate_at = found.due_at
            ev.warn_at = due_time(base, amount * WARN_SHARE, unit).due_at
            data["granted"] = {"amount": amount, "unit": unit, "from": base.isoformat(),
                               "due_at": found.due_at.isoformat()}

    def _append(self, action: str, outcome: str, actor: Actor, at: dt.datetime, note: str, old: str, new: str,
                step_due: dt.datetime | None, prov: bool, data: dict[str, Any]) -> None:
        ev = self.event
        ev.version = len(self.steps) + 1
        self.steps.append(PlannedStep(
            ev, seq=ev.version, action=action, outcome=outcome, actor_id=actor.user_id,
            actor_name=actor.name[:150], unit_id=actor.unit_id, at=at, note=note[:2000], from_state=old, to_state=new,
            level=ev.level, due_at=step_due, due_provisional=prov, data=data))

    def sweep_until(self, until: dt.datetime) -> None:
        """What the deadline sweep did before `until` (and before `now`): escalate the event one
        level up a minute after its `escalate_at` while it is open and not suspended."""
        ev = self.event
        while (ev.level in NEXT_LEVEL and ev.escalate_at is not None and self.state != State.SUSPENDED
               and lifecycle.KIND[self.state] == lifecycle.StateKind.OPEN):
            at = max(ev.escalate_at + SWEEP_LAG, self.at)
            if at >= until or at > self.now:
                return
            old, to, passed = ev.level, NEXT_LEVEL[ev.level], ev.escalate_at
            ev.level = to
            ev.escalate_at = None if to == Level.CITY else due_time(at, *self.cls.limit(lifecycle.DUE_HANDLE)).due_at
            self.escalations.append(Escalation(event=ev, cause=EscalationCause.OVERDUE, from_level=old, to_level=to,
                                               due_at=passed, at=at, seq=len(self.steps) + 1))
            self.at = at
            self._append("escalate", "", _SYSTEM, at,
                         f"超过时限 {timezone.localtime(passed):%Y-%m-%d %H:%M} 未办结，升级到{Level(to).label}指挥中心",
                         self.state, self.state, ev.step_due_at, ev.due_provisional,
                         {"cause": EscalationCause.OVERDUE, "from": old, "to": to, "due_at": passed.isoformat()})

    def marks(self) -> list[DeadlineMark]:
        """Yellow if the event was still open at its warning point, red if still open after its
        deadline (as of `now`), for the deadline in force at the end."""
        ev, out = self.event, []
        end = min(self.left_open or self.now, self.now)
        for colour, point in ((Mark.YELLOW, ev.warn_at), (Mark.RED, ev.due_at)):
            if point is not None and ev.due_at is not None and (point <= end if colour == Mark.YELLOW else point < end):
                out.append(DeadlineMark(event=ev, colour=colour, due_at=ev.due_at, mark_at=point, level=ev.level,
                                        unit_id=ev.unit_id, at=min(point + SWEEP_LAG, self.now)))
        return out

    def is_open_at(self, at: dt.datetime) -> bool:
        return self.left_open is None or self.left_open > at
