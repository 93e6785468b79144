"""The plan of each day: how many events, when, where, which class and channel, and which
lifecycle each one walks (the choices; `walk.Walk` applies the table). See the package docstring."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import shapely
from django.db.models.base import ModelState
from django.utils import timezone

from core.roles import Role
from core.workcal import TZ, due_time
from events import lifecycle, routing
from events.choices import Channel, Level, LocationStatus, Severity
from events.generator.walk import SWEEP_LAG, Walk, after, due, limit_hours
from events.generator.world import Actor, World
from events.lifecycle import State
from events.models import CallDepartment, CallOutcome, Escalation, EscalationCause, Event, EventClass, TownCall
from events.services._common import WARN_SHARE

CALL_REPORT_IN_HOURS, CALL_ANSWER_HOURS = 1.0, 4.0  # services.calls' defaults

DEFAULT_RATE = 1500  # events a day over Yangzhou's 98 towns (12345 and grid reports together)

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
CITIZENS = "王李张刘陈杨黄赵吴周徐孙朱马胡郭林何高梁"
_HOURLY_CUM = {kind: list(itertools.accumulate(weights)) for kind, weights in HOURLY.items()}
_CHANNEL_NAMES = [c for c, _ in CHANNELS]
_CHANNEL_CUM = list(itertools.accumulate(p for _, p in CHANNELS))
_EVENT_CLASS = Event._meta.get_field("event_class")


def new_event(**values: Any) -> Event:
    """An unsaved `Event` with `values` (attribute names) over the fields' defaults — what
    `Event(**values)` builds, without Model.__init__'s per-field work and signals (a fifth of the
    planning time at 55 fields, profiled). Nothing listens to Event's init signals."""
    ev = Event.__new__(Event)
    ev._state = ModelState()
    fields = ev.__dict__
    fields.update(_EVENT_CONSTANTS)
    for name, make in _EVENT_FRESH:
        if name not in values:
            fields[name] = make()  # a fresh list / dict for each event
    fields.update(values)
    return ev


_EVENT_FRESH = [(f.attname, f.get_default) for f in Event._meta.concrete_fields if f.has_default() and callable(f.default)]
_EVENT_CONSTANTS = {f.attname: f.get_default() for f in Event._meta.concrete_fields if (f.attname, f.get_default) not in
                    _EVENT_FRESH}


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


class Planner:
    """The walks of each day, in memory (`plan_day`); `events.generator.Generator` writes them."""

    def __init__(self, *, seed: int = 1, now: dt.datetime | None = None, mix: Mix | None = None) -> None:
        self.seed, self.now, self.mix = seed, now or timezone.now(), mix or Mix()
        self.world = World()
        self.recent: dict[tuple[str | None, str], list[Walk]] = defaultdict(list)
        self.days = 1

    # ------------------------------------------------------------ the plan of one day

    def day_count(self, day: dt.date, rate: float, rng: random.Random) -> int:
        return max(0, round(rate * WEEKDAY[day.weekday()] * rng.gauss(1.0, 0.04)))

    def _moment(self, day: dt.date, channel: str, rng: random.Random) -> dt.datetime:
        cum = _HOURLY_CUM["worker" if channel in WORKER_CHANNELS else "public"]
        hour = rng.choices(range(24), cum_weights=cum)[0]  # the same draw as weights=, summed once
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
        channel = rng.choices(_CHANNEL_NAMES, cum_weights=_CHANNEL_CUM)[0]
        at = self._moment(day, channel, rng)
        if at > self.now or at <= self.now - dt.timedelta(days=self.days):
            return None
        cls = rng.choices(w.classes, cum_weights=w.class_cum_weights)[0]
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
        due_at, prov = due(at, cls, lifecycle.DUE_HANDLE)
        amount, unit = cls.limit(lifecycle.DUE_HANDLE)
        warn_at = due_time(at, amount * WARN_SHARE, unit).due_at  # yellow at 80 % (services' _warn)
        step_due, step_prov = due(at, cls, lifecycle.DUE_ACCEPT)
        stamp = f"{day:%Y%m%d}{n:05d}"
        ev = new_event(
            event_class_id=cls.pk, description=description, channel=channel, client_id=f"gen-{self.seed}-{stamp}",
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
        _EVENT_CLASS.set_cached_value(ev, cls)
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
        handle_hours = limit_hours(cls, "handle")
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
            if not walk.take("feedback", handler, note="已按要求处置完毕", **when):
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
        at = after(walk.at, rng.uniform(0.1, 2))
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
        at = after(walk.at, gap)
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

def hours_share(cls: EventClass, step: str, rng: random.Random) -> float:
    return limit_hours(cls, step) * rng.uniform(0.1, 0.9)
