"""Generated events at Yangzhou's scale: deterministic from a seed, bulk inserted (issue 8 item 7).

Going through `services.event_report` / `event_act` one request at a time would take most of an
hour for 30 days on SQLite, so the generator does what the services do, in memory, and writes in
bulk — but it decides nothing on its own:

- points are sampled inside the grids of the grid index (`grids.locator.get_index`) and located
  with `routing.locate_point` (the intake's own locating), so they stay inside real grids whatever
  the layout; some hotline calls give an address only (a division, no grid);
- routing is `routing.route` (class → matter → `catalog.selectors.responsibility_for` in the town
  on that day → unit and level), the same proposal the intake makes;
- every step is a row of `events.lifecycle.TABLE`, taken with `lifecycle.find` / `target_of`
  (an illegal step raises `IllegalTransition`), with its effects and counters as in
  `services.EFFECTS` / `lifecycle.COUNTERS`, and its due time from `core.workcal.due_time` by the
  row's `due` rule, as `services._step_due` computes it;
- actors are real accounts where the world has them (the centre of the event's level, the
  handler of its unit, the reporting grid worker), so a replay can check who acted
  (`events/tests/test_generator.py`); otherwise a named actor without an account;
- event codes are the model's: county 6 + class 5 + the 6-digit sequence per county and class,
  assigned at 受理, continuing `EventCounter`;
- events, steps, counters and their audit rows (`core.audit.record_bulk`) go in with
  `bulk_create`, one transaction per day.

Shape of the data (per day, `rate` events on average; weekly rhythm `WEEKDAY`, daily rhythm
`HOURLY`): channels by `CHANNELS`, classes by `MAJOR_WEIGHT` (every active class appears, in
proportion), and lifecycles with the exceptions at the rates of `Mix`: 不予受理, 撤销, 合并 (into an
open event of the same class in the same town reported within the day before), 挂起/恢复, 退单 (then
re-dispatched, to a cooperating unit where there is one), 延期 (approved or refused), 返工 (a failed
核查), 督办 and 评价. Steps that would fall after `now` are not taken, so the last days end in
today's open queue.

Part 2 rows on top of the walk, as the deadline sweep (`services.sweep`, every minute) and the
乡呼县应 services would have written them: an open, not suspended town or county event whose
`escalate_at` has passed is escalated one level up a minute later (an `escalate` step, an
`Escalation` row; the county gets the class's 处置 limit again, the city is the top; later centre
steps are taken by the new level's centre); yellow / red `DeadlineMark` rows for events still open
at their warning point / after their deadline; and a small share of dispatched town events call
(吹哨) one or two county departments of their county (`Mix.call`), who report in and answer in
time — except `Mix.call_missed` of them, whose call the sweep escalates to the county centre.
Most events are on time; the late ones (`Mix.late`, a few per cent) are the overdue and escalated.

Determinism: one `random.Random` per day, seeded from (`seed`, the date); the world is read in a
fixed order. The same seed, `now` and world give the same rows (primary keys aside).
"""
from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.db import connection, transaction
from django.utils import timezone

from core import audit
from core.roles import Role
from core.workcal import TZ, add_working_hours, due_time, hours_per_day
from events import lifecycle, routing
from events.choices import Channel, Level, LocationStatus, Severity
from events.lifecycle import State
from events.models import (
    CallDepartment,
    CallOutcome,
    DeadlineMark,
    Escalation,
    EscalationCause,
    Event,
    EventClass,
    EventCounter,
    Mark,
    Step,
    TownCall,
)
from events.services._common import WARN_SHARE, working_hours_between

NEXT_LEVEL: dict[str, str] = {Level.TOWN: Level.COUNTY, Level.COUNTY: Level.CITY}
SWEEP_LAG = dt.timedelta(minutes=1)  # the sweep runs every minute
CALL_REPORT_IN_HOURS, CALL_ANSWER_HOURS = 1.0, 4.0  # services.calls' defaults

DEFAULT_RATE = 1500  # events a day over Yangzhou's 98 towns (12345 and grid reports together)
BATCH = 2000

# Weekly rhythm (Monday first, mean 1.0) and daily rhythm (relative weight of each hour).
WEEKDAY = (1.10, 1.06, 1.04, 1.02, 1.00, 0.92, 0.86)
HOURLY = {
    "worker": (0, 0, 0, 0, 0, 0, 1, 3, 8, 10, 10, 8, 3, 4, 8, 10, 9, 6, 2, 1, 1, 0, 0, 0),
    "public": (1, 1, 0, 0, 0, 1, 2, 4, 7, 9, 9, 8, 6, 6, 8, 8, 8, 7, 6, 6, 5, 4, 3, 2),
}
CHANNELS = ((Channel.GRID, 0.42), (Channel.PATROL, 0.10), (Channel.CITIZEN, 0.10), (Channel.HOTLINE, 0.26),
            (Channel.SYSTEM, 0.04), (Channel.OPEN311, 0.02), (Channel.DEVICE, 0.06))
WORKER_CHANNELS = (Channel.GRID, Channel.PATROL)
ADDRESS_ONLY_HOTLINE = 0.3  # share of hotline calls that give an address, not a point
# Relative frequency of each major class (two-digit code); a major's weight is shared by its
# classes, the catch-all "其他" (xx999) counting half.
MAJOR_WEIGHT = {"01": 3, "02": 3, "03": 3, "04": 2, "06": 30, "07": 8, "08": 6, "09": 16, "10": 2,
                "51": 6, "52": 4, "53": 4, "54": 2, "55": 4, "56": 2, "57": 2, "58": 2, "59": 1}
CITIZENS = "王李张刘陈杨黄赵吴周徐孙朱马胡郭林何高梁"


@dataclass(frozen=True)
class Mix:
    """How often each exception happens (shares of the events that reach the step)."""

    reject: float = 0.03          # 不予受理 at intake
    withdraw: float = 0.015       # 撤销 by the reporter before 立案
    merge: float = 0.02           # 合并 into an open event of the same class and town
    suspend: float = 0.02         # 挂起 then 恢复
    return_: float = 0.05         # 退单 by the unit, then re-dispatched
    extend: float = 0.05          # 延期 requested …
    extend_approved: float = 0.8  # … and approved
    rework: float = 0.06          # 核查 fails: 返工
    supervise: float = 0.03       # 督办 from the level above
    late: float = 0.04            # handled after the deadline
    rate: float = 0.6             # closed events that get a 评价
    reporter_major: float = 0.002  # reporter marks the event 重大 (→ city)
    call: float = 0.03            # 乡呼县应: dispatched town events that call county departments
    call_missed: float = 0.12     # … called departments that do not report in (escalated to the county)


@dataclass
class Stats:
    events: int = 0
    steps: int = 0
    audit_rows: int = 0
    seconds: float = 0.0
    parts: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds: plan, insert, audit
    by_state: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_action: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def rate(self) -> float:
        """Events generated per second (`generate.rate`)."""
        return self.events / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    unit_id: int | None = None
    roles: tuple[str, ...] = ()


class World:
    """What the generator reads once: classes, the grid index, accounts, grid heads, counters."""

    def __init__(self) -> None:
        from accounts.models import User
        from grids import locator
        from grids.choices import TeamRole
        from grids.models import GridMembership
        from org.models import Unit

        self.classes = list(EventClass.objects.filter(is_active=True).select_related("matter").order_by("code"))
        if not self.classes:
            raise RuntimeError("no event classes: load them first (manage.py load_event_classes)")
        self.class_weights = _class_weights(self.classes)
        self.index = locator.get_index()
        if len(self.index) == 0:
            raise RuntimeError("no active grids: the generator samples points inside grids")
        self.names = self.index.division_names
        self.units = dict(Unit.objects.values_list("id", "name"))
        self.county_departments: dict[str, list[int]] = defaultdict(list)
        for unit_id, division in Unit.objects.filter(kind="county_department").order_by("id").values_list(
                "id", "division_id"):
            self.county_departments[division].append(unit_id)
        self.centres: dict[tuple[str, str], Actor] = {}
        self.handlers: dict[int, Actor] = {}
        self.users: dict[int, Actor] = {}
        centre_roles: dict[str, str] = {role: level for level, role in lifecycle.CENTRE_ROLE.items()}
        for uid, username, display, roles, unit_id, division in User.objects.filter(is_active=True).order_by(
                "username").values_list("id", "username", "display_name", "roles", "unit_id", "division_id"):
            actor = Actor(uid, display or username, unit_id, tuple(roles or ()))
            self.users[uid] = actor
            for role in actor.roles:
                if role in centre_roles and division:
                    self.centres.setdefault((centre_roles[role], division), actor)
            if Role.DEPT_HANDLER in actor.roles and unit_id:
                self.handlers.setdefault(unit_id, actor)
        self.heads: dict[int, tuple[int | None, str]] = {
            grid: (user, name) for grid, user, name in GridMembership.objects.filter(role=TeamRole.HEAD).order_by(
                "grid_id").values_list("grid_id", "worker__user_id", "worker__name")}
        self.counters = {(d, c): last for d, c, last in EventCounter.objects.values_list("division_id", "class_code",
                                                                                       "last")}
        self.counters_seen = set(self.counters)
        self._routes: dict[tuple[Any, ...], routing.Route] = {}

    def route(self, cls: EventClass, loc: routing.Location, severity: str, day: dt.date) -> routing.Route:
        key = (loc.town, loc.county, cls.code, severity, day)
        found = self._routes.get(key)
        if found is None:
            found = self._routes[key] = routing.route(cls, loc, severity, day)
        return found

    def centre(self, level: str, event: Event) -> Actor:
        codes: dict[str, str | None] = {Level.TOWN: event.town_id, Level.COUNTY: event.county_id,
                                        Level.CITY: (event.county_id or event.division_id)[:4] + "00000000"}
        code = codes.get(level) or ""
        return self.centres.get((level, code)) or Actor(None, f"{self.names.get(code, '')}指挥中心")

    def handler(self, unit_id: int | None) -> Actor:
        if unit_id is not None and unit_id in self.handlers:
            return self.handlers[unit_id]
        return Actor(None, f"{self.units.get(unit_id or 0, '承办单位')}处置人员", unit_id)

    def next_code(self, county: str, class_code: str) -> str:
        key = (county, class_code)
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{county[:6]}{class_code}{self.counters[key]:06d}"


def _class_weights(classes: list[EventClass]) -> list[float]:
    by_major: dict[str, list[EventClass]] = defaultdict(list)
    for cls in classes:
        by_major[cls.major].append(cls)
    weights = []
    for cls in classes:
        share = 0.5 if cls.code.endswith("999") else 1.0
        total = sum(0.5 if c.code.endswith("999") else 1.0 for c in by_major[cls.major])
        weights.append(MAJOR_WEIGHT.get(cls.major, 1) * share / total)
    return weights


def _limit_hours(cls: EventClass, step: str) -> float:
    amount, unit = cls.limit(step)
    return amount * (hours_per_day() if unit == "days" else 1.0)


def _due(start: dt.datetime, cls: EventClass, step: str | None) -> tuple[dt.datetime | None, bool]:
    if step not in lifecycle.LIMIT_STEPS:
        return None, False
    amount, unit = cls.limit(step)
    found = due_time(start, amount, unit)
    return found.due_at, found.provisional


class Walk:
    """One event's lifecycle, walked through the table in memory (see the module docstring)."""

    def __init__(self, event: Event, cls: EventClass, world: World, now: dt.datetime) -> None:
        self.event, self.cls, self.world, self.now = event, cls, world, now
        self.state: str = State.REPORTED
        self.steps: list[Step] = []
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
        """Take `action` at `at` (default: `gap` hours after the last step, see `_after`); False
        (nothing taken) when that moment is after `now`. An action the table does not allow raises
        `lifecycle.IllegalTransition` (django-fsm's TransitionNotAllowed from the model's method)."""
        at = max(at, self.at) if at is not None else _after(self.at, gap)
        if at > self.now:
            return False
        self.sweep_until(at)
        ev, data = self.event, dict(data or {})
        row = lifecycle.find(self.state, action, outcome)
        if lifecycle.Actor.CENTRE in row.actors and ev.level != self.start_level and \
                actor == self.world.centre(self.start_level, ev):
            actor = self.world.centre(ev.level, ev)  # escalated: the new level's centre acts
        new = lifecycle.target_of(row, self.state, ev.suspended_from or None)
        ev.take(action, row.outcome)  # the model's django-fsm method, built from the same table
        if ev.state != new:
            raise lifecycle.IllegalTransition(self.state, action, outcome)
        if note and "reason" in row.needs:
            data.setdefault("reason", note)
        self._effects(action, row, at, data)
        counter = lifecycle.COUNTERS.get((action, row.outcome))
        if counter:
            setattr(ev, counter, getattr(ev, counter) + 1)
        if row.due == lifecycle.DUE_EVENT:
            step_due, prov = ev.due_at, ev.due_provisional
        elif row.due == lifecycle.DUE_SAME:
            step_due, prov = ev.step_due_at, ev.due_provisional
        else:
            step_due, prov = _due(at, self.cls, row.due)
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
                due: dt.datetime | None, prov: bool, data: dict[str, Any]) -> None:
        ev = self.event
        ev.version = len(self.steps) + 1
        self.steps.append(Step(
            event=ev, seq=ev.version, action=action, outcome=outcome, actor_id=actor.user_id,
            actor_name=actor.name[:150], unit_id=actor.unit_id, at=at, note=note[:2000], from_state=old, to_state=new,
            level=ev.level, due_at=due, due_provisional=prov, data=data))

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
            self._append("escalate", "", Actor(None, "system"), at,
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


def _after(start: dt.datetime, hours: float) -> dt.datetime:
    """`hours` of working time after `start`, without the calendar (a step's moment, not a
    deadline: the centres work round the clock, units in the day). Nights are skipped."""
    at = start + dt.timedelta(hours=hours)
    local = at.astimezone(TZ)
    if hours > 0 and not (8 <= local.hour < 18):
        morning = dt.datetime.combine(local.date() + dt.timedelta(days=local.hour >= 18), dt.time(8, 30), TZ)
        at = morning + dt.timedelta(minutes=(hours * 60) % 90)
    return at


class Generator:
    """`Generator(seed=…, now=…).run(days=…, rate=…)`; see the module docstring."""

    def __init__(self, *, seed: int = 1, now: dt.datetime | None = None, mix: Mix | None = None,
                 progress: Callable[[int], Any] | None = None) -> None:
        self.seed, self.now, self.mix = seed, now or timezone.now(), mix or Mix()
        self.progress = progress
        self.world = World()
        self.recent: dict[tuple[str | None, str], list[Walk]] = defaultdict(list)
        self.stats = Stats()
        self.days = 1

    # ------------------------------------------------------------ the plan of one day

    def day_count(self, day: dt.date, rate: float, rng: random.Random) -> int:
        return max(0, round(rate * WEEKDAY[day.weekday()] * rng.gauss(1.0, 0.04)))

    def _moment(self, day: dt.date, channel: str, rng: random.Random) -> dt.datetime:
        weights = HOURLY["worker" if channel in WORKER_CHANNELS else "public"]
        hour = rng.choices(range(24), weights=weights)[0]
        return dt.datetime.combine(day, dt.time(hour), TZ) + dt.timedelta(seconds=rng.randrange(3600))

    def _point(self, rng: random.Random) -> routing.Location:
        index = self.world.index
        for _ in range(5):
            i = rng.randrange(len(index))
            x0, y0, x1, y1 = index.boxes[i]
            geom = index.geoms[i]
            for _ in range(20):
                x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
                if shapely.contains_xy(geom, x, y):
                    break
            else:
                p = shapely.point_on_surface(geom)
                x, y = p.x, p.y
            loc = routing.locate_point(round(y, 6), round(x, 6), "wgs84", None)
            if loc.status == LocationStatus.IN_GRID:
                return loc
        raise RuntimeError("could not sample a point inside a grid")

    def _event(self, day: dt.date, n: int, rng: random.Random) -> Walk | None:
        w, mix = self.world, self.mix
        channel = rng.choices([c for c, _ in CHANNELS], weights=[p for _, p in CHANNELS])[0]
        at = self._moment(day, channel, rng)
        if at > self.now or at <= self.now - dt.timedelta(days=self.days):
            return None
        cls = rng.choices(w.classes, weights=w.class_weights)[0]
        loc = self._point(rng)
        address = ""
        if channel == Channel.HOTLINE and rng.random() < ADDRESS_ONLY_HOTLINE:
            code = loc.village or loc.town or ""
            address = "扬州市" + "".join(w.names.get(c, "") for c in (loc.county, loc.town, loc.village) if c) + "附近"
            loc = routing.location_of_division(code, LocationStatus.ADDRESS, "按地址定位，无网格")
        assert loc.division is not None
        severity = routing.effective_severity(cls, Severity.MAJOR if rng.random() < mix.reporter_major else None)
        proposal = w.route(cls, loc, severity, day)
        reporter = self._reporter(channel, loc, rng)
        place = w.names.get(loc.village or "", "") or w.names.get(loc.town or "", "")
        description = f"{place}{rng.choice(('附近', '路口', '小区门口', '沿街', '河边'))}发现{cls.name}问题，请尽快处置"
        due_at, prov = _due(at, cls, lifecycle.DUE_HANDLE)
        amount, unit = cls.limit(lifecycle.DUE_HANDLE)
        warn_at = due_time(at, amount * WARN_SHARE, unit).due_at  # yellow at 80 % (services' _warn)
        step_due, step_prov = _due(at, cls, lifecycle.DUE_ACCEPT)
        stamp = f"{day:%Y%m%d}{n:05d}"
        ev = Event(
            event_class=cls, description=description, channel=channel, client_id=f"gen-{self.seed}-{stamp}",
            source_ref={Channel.HOTLINE: f"12345-{stamp}", Channel.DEVICE: f"alarm-{stamp}",
                        Channel.SYSTEM: f"szcg-{stamp}", Channel.OPEN311: "open311"}.get(channel, ""),
            reporter_id=reporter.user_id, reporter_name=reporter.name[:50], lat=loc.lat, lng=loc.lng,
            address=address, location_status=loc.status, candidates=loc.candidates, division_id=loc.division,
            grid_id=loc.grid_id, village_id=loc.village, town_id=loc.town, county_id=loc.county,
            matter_id=proposal.matter_id, proposed_unit_id=proposal.unit_id, proposed_level=proposal.level,
            unit_id=proposal.unit_id, cooperating=proposal.cooperating, level=proposal.level,
            routing={**proposal.as_dict(), "location_note": loc.note}, severity=severity, reported_at=at,
            due_at=due_at, warn_at=warn_at, escalate_at=due_at, step_due_at=step_due,
            due_provisional=prov or step_prov, is_synthetic=True, created_at=at, updated_at=at)
        walk = Walk(ev, cls, w, self.now)
        walk.report(reporter, {"channel": channel, "location": loc.status, "routing": proposal.as_dict()})
        return walk

    def _reporter(self, channel: str, loc: routing.Location, rng: random.Random) -> Actor:
        if channel in WORKER_CHANNELS and loc.grid_id is not None:
            user, name = self.world.heads.get(loc.grid_id, (None, "网格员"))
            found = self.world.users.get(user) if user else None
            return found or Actor(None, name)
        names: dict[str, str] = {Channel.CITIZEN: rng.choice(CITIZENS) + rng.choice(("先生", "女士")),
                                 Channel.HOTLINE: "12345热线", Channel.SYSTEM: "数字城管系统",
                                 Channel.DEVICE: "视频监控告警", Channel.OPEN311: "Open311 市民"}
        return Actor(None, names.get(channel, "上报人"))

    # ------------------------------------------------------------ one lifecycle

    def _lifecycle(self, walk: Walk, reporter: Actor, rng: random.Random) -> None:
        w, mix, ev, cls = self.world, self.mix, walk.event, walk.cls
        centre = w.centre(ev.level, ev)

        def hours(step: str) -> float:
            return hours_share(cls, step, rng)

        if rng.random() < mix.reject:
            walk.take("reject", centre, gap=hours("accept"), note="经核实不属于受理范围")
            return
        if rng.random() < mix.withdraw:
            walk.take("withdraw", reporter, gap=hours("accept"), note="问题已自行解决，申请撤销")
            return
        if rng.random() < mix.merge and self._merge(walk, centre, hours("accept")):
            return
        if not walk.take("accept", centre, gap=hours("accept")):
            return
        if not self._maybe_suspend(walk, centre, rng, State.ACCEPTED):
            return
        if not walk.take("file", centre, gap=hours("file")):
            return
        self._maybe_supervise(walk, rng)
        if ev.unit_id is None or not walk.take("dispatch", centre, gap=hours("dispatch")):
            return  # no unit to dispatch to: stays 待派遣 in the centre's queue
        if rng.random() < mix.return_:
            if not walk.take("return", w.handler(ev.unit_id), gap=hours("dispatch"), note="不属于本单位职责，申请退单"):
                return
            other = [c["id"] for c in ev.cooperating if c.get("id") and c["id"] != ev.unit_id]
            again = {"_unit": other[0], "reason": "退单后改派"} if other else {}
            if not walk.take("dispatch", centre, gap=hours("dispatch"), note=again.get("reason", ""), data=again):
                return
        if ev.level == Level.TOWN and rng.random() < mix.call and not self._call(walk, centre, rng):
            return
        if not self._maybe_suspend(walk, centre, rng, State.DISPATCHED):
            return
        if not self._handle(walk, centre, reporter, rng):
            return
        if not walk.take("close", centre, gap=rng.uniform(0.1, 1.0)):
            return
        if rng.random() < mix.rate:
            rater = reporter if reporter.user_id else centre
            walk.take("rate", rater, gap=rng.uniform(1, 16), data={"rating": rng.choices((5, 4, 3, 2, 1),
                                                                                       (60, 25, 9, 4, 2))[0]})

    def _handle(self, walk: Walk, centre: Actor, reporter: Actor, rng: random.Random) -> bool:
        """处置 → 反馈 → 核查 (with 延期 and 返工) up to 核查 passed."""
        mix, ev, cls = self.mix, walk.event, walk.cls
        handler = self.world.handler(ev.unit_id)
        verifier = reporter if reporter.user_id and Role.GRID_WORKER in reporter.roles else centre
        handle_hours = _limit_hours(cls, "handle")
        if rng.random() < mix.extend:
            if not walk.take("extend", handler, gap=handle_hours * rng.uniform(0.3, 0.7),
                             outcome=lifecycle.Outcome.REQUESTED, note="需协调相关单位，申请延期",
                             data={"requested": {"amount": 2.0, "unit": "days"}}):
                return False
            approved = rng.random() < mix.extend_approved
            if not walk.take("extend", centre, gap=rng.uniform(0.2, 2),
                             outcome=lifecycle.Outcome.APPROVED if approved else lifecycle.Outcome.REFUSED,
                             note="" if approved else "理由不充分，请按原时限办结",
                             data={"_amount": (2.0, "days")} if approved else {}):
                return False
        late = rng.random() < mix.late
        for attempt in range(3):
            when = {"at": ev.due_at + dt.timedelta(hours=rng.uniform(0.5, 30))} if late and attempt == 0 and \
                ev.due_at else {"gap": handle_hours * rng.uniform(0.15, 0.8)}
            if not walk.take("feedback", handler, note="已按要求处置完毕，附处置后照片", **when):
                return False
            passed = attempt == 2 or rng.random() >= mix.rework
            if not walk.take("verify", verifier, gap=hours_share(cls, "verify", rng),
                             outcome=lifecycle.Outcome.PASSED if passed else lifecycle.Outcome.FAILED,
                             note="" if passed else "现场复核未处置到位，请返工"):
                return False
            if passed:
                return True
        return True

    def _call(self, walk: Walk, centre: Actor, rng: random.Random) -> bool:
        """乡呼县应: call one or two county departments of the event's county; each reports in and
        answers in time, except `Mix.call_missed` of them (escalated by the sweep, answered late)."""
        ev = walk.event
        county = ev.county_id or ev.division_id[:6] + "000000"
        choices = self.world.county_departments.get(county, [])
        if not choices:
            return True
        units = rng.sample(choices, min(len(choices), rng.choice((1, 1, 2))))
        at = _after(walk.at, rng.uniform(0.1, 2))
        if at > walk.now:
            return False
        report_in_due = due_time(at, CALL_REPORT_IN_HOURS, "hours").due_at
        answer_due = due_time(at, CALL_ANSWER_HOURS, "hours").due_at
        data = {"call": {"units": [{"id": u, "name": self.world.units.get(u, "")} for u in units],
                         "report_in_due": report_in_due.isoformat(), "answer_due": answer_due.isoformat()}}
        if not walk.take("call", centre, at=at, note="涉及县级部门职责，请到场协同处置", data=data):
            return False
        call = TownCall(event=ev, reason="涉及县级部门职责，请到场协同处置", called_by_id=centre.user_id,
                        called_by_name=centre.name[:150], at=at, seq=ev.version)
        rows = [CallDepartment(call=call, unit_id=u, report_in_due=report_in_due, answer_due=answer_due)
                for u in units]
        walk.calls.append((call, rows))
        ev.called_units = list(units)
        for row in rows:
            handler = self.world.handler(row.unit_id)
            if rng.random() < self.mix.call_missed:
                escalated = report_in_due + SWEEP_LAG
                if escalated <= walk.now:
                    row.outcome, row.escalated_at = CallOutcome.UNANSWERED, escalated
                    walk.escalations.append(Escalation(event=ev, cause=EscalationCause.CALL, from_level=Level.TOWN,
                                                       to_level=Level.COUNTY, due_at=report_in_due, at=escalated,
                                                       call_department=row))
                continue
            if not walk.take("report-in", handler, at=at + dt.timedelta(minutes=rng.uniform(5, 50))):
                return False
            row.reported_in_at, row.reported_in_by_id, row.outcome = walk.at, handler.user_id, CallOutcome.REPORTED_IN
            answer = "已安排人员到场，配合处置"
            if not walk.take("answer", handler, at=walk.at + dt.timedelta(minutes=rng.uniform(10, 150)), note=answer):
                return False
            row.answered_at, row.answered_by_id, row.answer = walk.at, handler.user_id, answer
            row.outcome = CallOutcome.ANSWERED if walk.at <= answer_due else CallOutcome.ANSWERED_LATE
            ev.called_units = [u for u in ev.called_units if u != row.unit_id]
        return True

    def _maybe_suspend(self, walk: Walk, centre: Actor, rng: random.Random, state: str) -> bool:
        if walk.state != state or rng.random() >= self.mix.suspend / 2:
            return True
        if not walk.take("suspend", centre, gap=rng.uniform(0.1, 2), note="当事人外出，暂时无法处置"):
            return False
        return walk.take("resume", centre, gap=rng.uniform(4, 40))

    def _maybe_supervise(self, walk: Walk, rng: random.Random) -> None:
        ev = walk.event
        if rng.random() >= self.mix.supervise or ev.level == Level.CITY:
            return
        above = Level.COUNTY if ev.level == Level.TOWN else Level.CITY
        walk.take("supervise", self.world.centre(above, ev), gap=rng.uniform(0.1, 1), note="请加快办理")

    def _merge(self, walk: Walk, centre: Actor, gap: float) -> bool:
        ev = walk.event
        at = _after(walk.at, gap)
        for target in reversed(self.recent[(ev.town_id, walk.cls.code)]):
            if target.event.merged_into_id is None and target.merge_target is None and target.is_open_at(at) \
                    and target.event.reported_at < ev.reported_at:
                walk.merge_target = target
                if walk.take("merge", centre, gap=gap, note="与已上报事件重复，合并办理"):
                    return True
                walk.merge_target = None
                return False
        return False

    # ------------------------------------------------------------ writing

    def run(self, *, days: int, rate: float = DEFAULT_RATE) -> Stats:
        """Generate `days` days of events ending at `now` (about `rate` a day) and write them."""
        self.days = days
        started = time.perf_counter()
        last = timezone.localtime(self.now, TZ).date()
        for offset in range(days, -1, -1):
            self._day(last - dt.timedelta(days=offset), rate)
        self.stats.seconds = time.perf_counter() - started
        return self.stats

    def plan_day(self, day: dt.date, rate: float) -> list[Walk]:
        """The walks of one day, in report order (nothing written)."""
        rng = random.Random(f"{self.seed}:{day.isoformat()}")
        walks = []
        for n in range(self.day_count(day, rate, rng)):
            walk = self._event(day, n, rng)
            if walk is not None:
                walks.append(walk)
        walks.sort(key=lambda wk: wk.event.reported_at)
        for walk in walks:
            self._lifecycle(walk, self._reporter_of(walk), rng)
            walk.sweep_until(self.now)  # what the sweep has done since the last step
            key = (walk.event.town_id, walk.cls.code)
            self.recent[key] = [x for x in self.recent[key] if x.event.reported_at > walk.event.reported_at
                                - dt.timedelta(hours=24)] + [walk]
        return walks

    def _reporter_of(self, walk: Walk) -> Actor:
        step = walk.steps[0]
        user = self.world.users.get(step.actor_id) if step.actor_id else None
        return user or Actor(None, walk.event.reporter_name)

    def _day(self, day: dt.date, rate: float) -> None:
        parts, t0 = self.stats.parts, time.perf_counter()
        walks = self.plan_day(day, rate)
        t1 = time.perf_counter()
        parts["plan"] += t1 - t0
        if not walks:
            return
        with transaction.atomic(), audit.acting_as(name="generate_events", source="import"):
            events = [w.event for w in walks]
            Event.objects.bulk_create(events, batch_size=BATCH)
            merged = [w for w in walks if w.merge_target is not None]
            for w in merged:
                w.event.merged_into_id = w.merge_target.event.pk  # type: ignore[union-attr]
                w.steps[-1].data["into"]["id"] = w.event.merged_into_id
            Event.objects.bulk_update([w.event for w in merged], ["merged_into"])
            steps = [s for w in walks for s in w.steps]
            _insert_steps(steps)
            extra = self._write_part2(walks)
            t2 = time.perf_counter()
            parts["insert"] += t2 - t1
            self.stats.audit_rows += _audit_created(events) + _audit_created(steps) + _audit_created(extra)
            self._write_counters()
            parts["audit"] += time.perf_counter() - t2
        for w in walks:
            self.stats.by_state[w.state] += 1
            for s in w.steps:
                self.stats.by_action[s.action if not s.outcome else f"{s.action}/{s.outcome}"] += 1
        self.stats.events += len(events)
        self.stats.steps += len(steps)
        if self.progress:
            self.progress(len(events))

    def _write_part2(self, walks: list[Walk]) -> list[Any]:
        """Town calls, called departments, escalations and deadline marks of the walks (after their
        events are saved); returns the rows written, for the audit."""
        calls = [(call, rows) for w in walks for call, rows in w.calls]
        for call, _ in calls:
            call.event = call.event  # the saved event's id
        TownCall.objects.bulk_create([c for c, _ in calls], batch_size=BATCH)
        departments = [row for call, rows in calls for row in rows]
        for row in departments:
            row.call = row.call
        CallDepartment.objects.bulk_create(departments, batch_size=BATCH)
        escalations = [e for w in walks for e in w.escalations]
        for esc in escalations:
            esc.event = esc.event
            if esc.call_department is not None:
                esc.call_department = esc.call_department
        Escalation.objects.bulk_create(escalations, batch_size=BATCH)
        marks = [m for w in walks for m in w.marks()]
        DeadlineMark.objects.bulk_create(marks, batch_size=BATCH)
        for w in walks:
            for m in w.marks():
                self.stats.by_action[f"mark/{m.colour}"] += 1
            for e in w.escalations:
                self.stats.by_action[f"escalation/{e.cause}/{e.to_level}"] += 1
        return [*(c for c, _ in calls), *departments, *escalations, *marks]

    def _write_counters(self) -> None:
        world = self.world
        rows = {key: EventCounter(division_id=key[0], class_code=key[1], last=last)
                for key, last in world.counters.items()}
        new = [row for key, row in rows.items() if key not in world.counters_seen]
        old = [row for key, row in rows.items() if key in world.counters_seen]
        if old:
            existing = {(c.division_id, c.class_code): c for c in EventCounter.objects.all()}
            changed = []
            for row in old:
                current = existing[(row.division_id, row.class_code)]
                if current.last != row.last:
                    current.last = row.last
                    changed.append(current)
            EventCounter.objects.bulk_update(changed, ["last"])
            self.stats.audit_rows += audit.record_bulk(changed, "update")
        EventCounter.objects.bulk_create(new)
        self.stats.audit_rows += audit.record_bulk(new)
        world.counters_seen |= {(r.division_id, r.class_code) for r in new}


def _insert_steps(steps: list[Step]) -> None:
    """Insert steps with one `executemany`, then read their ids back by `(event, seq)` (unique).

    Steps are most of the rows; Django's `bulk_create` spends about half its time compiling the
    statement value by value (≈50 µs a step against ≈27 µs here, measured on SQLite). Values are
    taken and prepared as Django's compiler does (`pre_save`, then `get_db_prep_save`), so a field
    that fills itself on save (auto_now, a personal field's lookup) is written right."""
    fields = [f for f in Step._meta.concrete_fields if not f.primary_key]
    sql = (f"INSERT INTO {connection.ops.quote_name(Step._meta.db_table)} "
           f"({', '.join(connection.ops.quote_name(str(f.column)) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    for step in steps:
        step.event = step.event  # sets event_id from the now saved event, keeping the cached instance
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[f.get_db_prep_save(f.pre_save(s, True), connection) for f in fields]
                                 for s in steps])
    event_ids = sorted({s.event_id for s in steps})
    ids: dict[tuple[int, int], int] = {}
    for i in range(0, len(event_ids), 1000):
        ids.update(((e, q), pk) for pk, e, q in Step.objects.filter(event_id__in=event_ids[i:i + 1000]).values_list(
            "id", "event_id", "seq"))
    for step in steps:
        step.pk = ids[(step.event_id, step.seq)]
        step._state.adding = False


def _audit_created(rows: list[Any], chunk: int = 500) -> int:
    """Audit rows for bulk-inserted rows (after-images), through `audit.record_many`: one plain
    multi-row insert per chunk, cheaper than `record_bulk`'s bulk_create at this volume."""
    for i in range(0, len(rows), chunk):
        audit.record_many((row, "create", None, audit.snapshot(row)) for row in rows[i:i + chunk])
    return len(rows)


def hours_share(cls: EventClass, step: str, rng: random.Random) -> float:
    return _limit_hours(cls, step) * rng.uniform(0.1, 0.9)


def generate(*, days: int, rate: float = DEFAULT_RATE, seed: int = 1, now: dt.datetime | None = None,
             mix: Mix | None = None, progress: Callable[[int], Any] | None = None) -> Stats:
    """Generate and write `days` days of events ending at `now` (default: now); see the module docstring."""
    return Generator(seed=seed, now=now, mix=mix, progress=progress).run(days=days, rate=rate)


def expected(days: int, rate: float) -> int:
    """About how many events `generate` writes (for a progress bar's total)."""
    return math.ceil(days * rate)


def replay_problems(events: Iterable[Event]) -> list[str]:
    """Replay the steps of `events` through the transition table; the problems found (empty: none).

    Checks per event: the first step is the report; each later step is a row of `lifecycle.TABLE`
    from the state before it (`lifecycle.next_state`, suspension tracked), with matching from/to
    states and consecutive `seq`; the event's state, kind and version are those of its last step;
    counters match the steps; and an actor with an account may take the row (`lifecycle.may_take`,
    with the event's level and unit as of that step).
    """
    from types import SimpleNamespace

    from accounts.models import User

    problems: list[str] = []
    users = {u.pk: u for u in User.objects.all()}
    for ev in events:
        steps = list(ev.steps.order_by("seq"))
        if not steps or steps[0].action != "report" or steps[0].to_state != State.REPORTED:
            problems.append(f"{ev.pk}: does not start with the report")
            continue
        state: str = State.REPORTED
        suspended_from: str | None = None
        unit = steps[0].data.get("routing", {}).get("unit")
        called: set[int] = set()
        counts: dict[str, int] = defaultdict(int)
        for expected_seq, step in enumerate(steps, start=1):
            if step.seq != expected_seq:
                problems.append(f"{ev.pk}#{step.seq}: seq out of order")
            if expected_seq == 1:
                continue
            if step.action == "escalate":  # written by the sweep, not a row of the table
                if step.from_state != state or step.to_state != state:
                    problems.append(f"{ev.pk}#{step.seq}: an escalation changed the state")
                continue
            try:
                row = lifecycle.find(state, step.action, step.outcome)
                new = lifecycle.target_of(row, state, suspended_from)
            except lifecycle.IllegalTransition as exc:
                problems.append(f"{ev.pk}#{step.seq}: {exc}")
                break
            if step.from_state != state or step.to_state != new:
                problems.append(f"{ev.pk}#{step.seq}: {step.from_state}→{step.to_state}, table says {state}→{new}")
            if step.action == "dispatch":
                unit = step.data["unit"]["id"]
            if step.action == "call":
                called |= {u["id"] for u in step.data["call"]["units"]}
            actor = users.get(step.actor_id) if step.actor_id else None
            snap = SimpleNamespace(level=step.level, division_id=ev.division_id, unit_id=unit,
                                   reporter_id=ev.reporter_id, called_units=sorted(called))

            if actor is not None and not lifecycle.may_take(row, snap, actor):
                problems.append(f"{ev.pk}#{step.seq}: {actor.username} may not {step.action}")
            if step.action == "answer" and actor is not None:
                called.discard(actor.unit_id)
            if new == State.SUSPENDED:
                suspended_from = state
            elif state == State.SUSPENDED:
                suspended_from = None
            counter = lifecycle.COUNTERS.get((step.action, step.outcome))
            if counter:
                counts[counter] += 1
            state = new
        if (ev.state, ev.state_kind, ev.version) != (state, lifecycle.KIND[state], len(steps)):
            problems.append(f"{ev.pk}: event is {ev.state}/{ev.state_kind}/v{ev.version}, steps end at {state}"
                            f"/v{len(steps)}")
        for counter in set(lifecycle.COUNTERS.values()):
            if getattr(ev, counter) != counts[counter]:
                problems.append(f"{ev.pk}: {counter} {getattr(ev, counter)} but {counts[counter]} steps")
    return problems


__all__ = ["DEFAULT_RATE", "Generator", "Mix", "Stats", "expected", "generate", "replay_problems"]
