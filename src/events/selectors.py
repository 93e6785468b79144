"""Reads for events: counts by state kind, an event's timeline, routing gaps, reporters to tell,
the responsibility answer behind an event with its source, the town-call inbox, and spikes."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from catalog.selectors import responsibility_for
from core.roles import COMMAND_ROLES, Role, has_role
from core.scoping import code_level
from core.worklist import Figure, Source, WorkItem, is_due_soon, is_overdue
from divisions.models import Division
from events.choices import WORKER_CHANNELS
from events.lifecycle import CENTRE_ROLE, State, StateKind
from events.models import CallDepartment, CallOutcome, Event, EventClass, Step


def counts_by_kind(qs: QuerySet[Event]) -> dict[str, int]:
    """{"open", "closed", "void", "total"}: a void event (不予受理, 撤销, 合并) is neither open nor closed."""
    found = dict(qs.order_by().values_list("state_kind").annotate(n=Count("id")).values_list("state_kind", "n"))
    out = {k: int(found.get(k, 0)) for k in StateKind.values}
    out["total"] = sum(out.values())
    return out


def timeline(event: Event) -> QuerySet[Step]:
    """Every step of the event, oldest first, with actor, unit and photos."""
    return event.steps.select_related("actor", "unit").prefetch_related("photos").order_by("seq")


def reporters_of(event: Event) -> list[int]:
    """User ids to tell the outcome: the event's reporter and those of the events merged into it."""
    ids = [event.reporter_id] if event.reporter_id else []
    for rid in Event.objects.filter(merged_into=event).exclude(reporter=None).values_list("reporter_id", flat=True):
        if rid not in ids:
            ids.append(rid)
    return ids


@dataclass
class RoutingGap:
    town: str
    town_name: str
    event_class: str
    class_name: str
    matter: str
    reason: str


def routing_gaps(user: Any, division: str | None = None, on: dt.date | None = None) -> list[RoutingGap]:
    """Classes whose matter has no main responsibility in a town (or that map to no matter),
    for every town visible to `user` (inside `division` when given)."""
    on = on or timezone.localdate()
    towns = Division.objects.visible_to(user).filter(level="town")
    if division:
        from core.scoping import code_prefix

        towns = towns.filter(code__startswith=code_prefix(division))
    classes = list(EventClass.objects.visible_to(user).filter(is_active=True).select_related("matter").order_by("code"))
    out: list[RoutingGap] = []
    for code, name in towns.order_by("code").values_list("code", "name"):
        for cls in classes:
            if cls.matter is None:
                out.append(RoutingGap(code, name, cls.code, cls.name, "", "类别未对应职责事项"))
                continue
            answer = responsibility_for(code, cls.matter.code, on)
            if answer.gap:
                out.append(RoutingGap(code, name, cls.code, cls.name, cls.matter.code,
                                      f"本镇街对职责事项“{cls.matter.name}”无主体责任单位"))
    return out


# ---------------------------------------------------------------- 待我办理: the viewer's queue

CENTRE_STATES = ("reported", "accepted", "filed", "extension_requested", "handled", "verified", "suspended")
HANDLER_STATES = ("dispatched", "extension_requested")


def waiting_for(user: Any) -> Q:
    """Events waiting for `user`'s step, after `lifecycle.actor_kinds` (one condition, no per-row
    check): as the command centre of the level of their division — its events of that level in a
    state where the table gives the centre a step (受理 … 结案, 延期审批, 核查, 恢复); as a handler —
    the events dispatched to their unit that they did not report themselves (处置, 反馈, 退单, 延期); as
    the reporting grid worker — their reports waiting for 核查. Intersected with `visible_to` by the caller."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    cond = Q(pk__in=[])
    level = code_level(user.division_id) if getattr(user, "division_id", None) else ""
    if level in CENTRE_ROLE and has_role(user, CENTRE_ROLE[level]):
        cond |= Q(level=level, state__in=CENTRE_STATES)
    if getattr(user, "unit_id", None) and has_role(user, Role.DEPT_HANDLER):
        cond |= Q(unit_id=user.unit_id, state__in=HANDLER_STATES) & ~Q(reporter_id=user.pk)
    if has_role(user, Role.GRID_WORKER):
        cond |= Q(reporter_id=user.pk, state="handled")
    return cond


# ---------------------------------------------------------------- the responsibility answer and its source

@dataclass
class ResponsibilitySource:
    """Who answers for the event's matter in its town on the report date, and on what basis.

    `answer` is the catalog's answer as the reader may see it (`Answer.seen_by`); `change` the
    赋权/调整/退还 procedure that set it (None for the initial split); `list_version` the version
    of the town's list that holds the matter's item on that date (None when the matter has no
    item or the town has no such list); `on` the date asked about (the report's local date)."""

    matter: Any
    on: dt.date
    answer: Any
    change: Any = None
    list_version: Any = None
    list_origin: str = ""   # "county": from the county list the town adopts; "town": the town's own


def responsibility_source(event: Event, user: Any) -> ResponsibilitySource | None:
    """The answer behind the event's routing (None when the event has no matter or no town)."""
    from catalog.models import PowerChange
    from catalog.selectors import list_state, town_list_of

    matter = event.matter or (event.event_class.matter if event.event_class_id and event.event_class else None)
    if matter is None or not event.town_id:
        return None
    on = timezone.localdate(event.reported_at)
    answer = responsibility_for(event.town_id, matter.code, on).seen_by(user)
    change = PowerChange.objects.visible_to(user).filter(pk=answer.change_id).select_related("item").first() \
        if answer.change_id else None
    version, origin = None, ""
    item = matter.item if matter.item_id else None
    if item is not None:
        item_list = town_list_of(event.town_id, item.list_kind)
        if item_list is not None:
            entry = next((e for e in list_state(item_list, on).entries if e.item.pk == matter.item_id), None)
            if entry is not None:
                version, origin = entry.version, entry.origin
    return ResponsibilitySource(matter, on, answer, change, version, origin)


# ---------------------------------------------------------------- 乡呼县应: the called department's inbox

def calls_for(user: Any, *, waiting: bool) -> QuerySet[CallDepartment]:
    """The town calls of the user's unit (a county department): `waiting` = not yet answered
    (待报到 / 已报到待答复 / 未按时应答), oldest due first; else answered ones, newest first. A user
    without a unit sees every visible call (a county centre watching its departments)."""
    qs = CallDepartment.objects.visible_to(user).select_related("call", "call__event", "call__event__event_class",
                                                                "call__event__town", "unit")
    unit_id = getattr(user, "unit_id", None)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if waiting:
        return qs.filter(answered_at__isnull=True).order_by("report_in_due", "answer_due", "id")
    return qs.filter(answered_at__isnull=False).order_by("-answered_at", "-id")


# ---------------------------------------------------------------- spikes (指挥大屏预警：突增)

SPIKE_WEEKS = 8          # the usual: the same weekday and hour of the previous 8 weeks
SPIKE_MIN = 3            # never a spike at or below this many events in the hour
SPIKE_SIGMAS = 3.0       # a spike: count > max(SPIKE_MIN, mean + SPIKE_SIGMAS · sd)


@dataclass
class Spike:
    """A class (`kind` "class", `key` the class code) or a town (`kind` "town", `key` its code)
    with `count` events reported in the current hour against `history` (the counts of the same
    hour and weekday in each of the previous weeks, oldest first)."""

    kind: str
    key: str
    name: str
    count: int
    history: list[int] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return sum(self.history) / len(self.history) if self.history else 0.0

    @property
    def sd(self) -> float:
        """Population standard deviation of the history."""
        if not self.history:
            return 0.0
        m = self.mean
        return math.sqrt(sum((x - m) ** 2 for x in self.history) / len(self.history))

    @property
    def threshold(self) -> float:
        return max(float(SPIKE_MIN), self.mean + SPIKE_SIGMAS * self.sd)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "name": self.name, "count": self.count,
                "mean": round(self.mean, 2), "sd": round(self.sd, 2), "threshold": round(self.threshold, 2)}


def _hour_windows(now: dt.datetime, weeks: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """[current hour (start … now), the same local hour 1 week before, … `weeks` weeks before]."""
    local = timezone.localtime(now)
    start = local.replace(minute=0, second=0, microsecond=0)
    windows = [(start, now)]
    for week in range(1, weeks + 1):
        # local wall-clock arithmetic: China has no DST, and make_aware keeps any other zone right too
        naive = start.replace(tzinfo=None) - dt.timedelta(weeks=week)
        begin = timezone.make_aware(naive)
        windows.append((begin, begin + dt.timedelta(hours=1)))
    return windows


def spikes(qs: QuerySet[Event], now: dt.datetime | None = None, weeks: int = SPIKE_WEEKS) -> list[Spike]:
    """Classes and towns with markedly more events reported in the current hour than usual for
    this hour and weekday: count > max(SPIKE_MIN, mean + SPIKE_SIGMAS · sd) over the previous
    `weeks` same-weekday same-hour windows (missing weeks count 0). `qs` is the viewer's events
    (`Event.objects.visible_to(user)`), so a screen sees only spikes in its subtree.

    Two grouped queries (one per dimension), each over the `weeks + 1` windows on the
    `reported_at` index; the biggest excess first."""
    now = now or timezone.now()
    windows = _hour_windows(now, weeks)
    within = Q()
    slot = []
    for i, (begin, end) in enumerate(windows):
        cond = Q(reported_at__gte=begin, reported_at__lt=end) if i else Q(reported_at__gte=begin, reported_at__lte=end)
        within |= cond
        slot.append(When(cond, then=Value(i)))
    base = qs.filter(within).annotate(w=Case(*slot, output_field=IntegerField()))
    found: list[Spike] = []
    for kind, key, name in (("class", "event_class__code", "event_class__name"), ("town", "town_id", "town__name")):
        counts: dict[tuple[str, str], list[int]] = {}
        rows = base.exclude(**{f"{key}__isnull": True}).order_by().values(key, name, "w").annotate(n=Count("id"))
        for row in rows.values_list(key, name, "w", "n"):
            per_window = counts.setdefault((row[0], row[1]), [0] * (weeks + 1))
            per_window[row[2]] += row[3]
        for (code, label), per_window in counts.items():
            spike = Spike(kind, code, label, per_window[0], list(reversed(per_window[1:])))
            if spike.count > spike.threshold:
                found.append(spike)
    found.sort(key=lambda s: (-(s.count - s.threshold), s.kind, s.key))
    return found


# ---------------------------------------------------------------- to-do (core.worklist) and home figures

CENTRE_KIND, HANDLE_KIND, VERIFY_KIND, CALL_KIND = "events.centre", "events.handle", "events.verify", "events.call"
_RANK_LEVEL = {0: "town", 1: "county", 2: "city"}
_DIVISION_RANK = {"village": 0, "town": 0, "county": 1, "city": 2}
#: What the centre of the event's level does next, by state (待受理 → 受理 …).
CENTRE_ACTION = {State.REPORTED: "受理", State.ACCEPTED: "立案", State.FILED: "派遣",
                 State.EXTENSION_REQUESTED: "审批延期", State.HANDLED: "核查", State.VERIFIED: "结案"}


def list_url(**params: Any) -> str:
    """The event list page `/events/` with `params` as its filter (`EventFilterSet`)."""
    return f"{reverse('events:list')}?{urlencode(params)}"


def _step_due() -> Any:
    return Coalesce("step_due_at", "due_at")


def _centre_level(user: Any) -> str | None:
    """The level whose command centre `user` is (their division's level and that level's centre
    role, as `lifecycle.actor_kinds` decides), or None."""
    code = getattr(user, "division_id", None)
    if not code or getattr(user, "is_superuser", False):
        return None
    level = _RANK_LEVEL.get(_DIVISION_RANK.get(code_level(code), -1))
    return level if level and has_role(user, CENTRE_ROLE[level]) else None


def _centre_waiting() -> Q:
    return Q(state__in=[s for s in CENTRE_ACTION if s != State.HANDLED]) | \
        (Q(state=State.HANDLED) & ~Q(channel__in=WORKER_CHANNELS))


def todo_centre(user: Any) -> QuerySet[Event]:
    """Events waiting for the user's command centre: to accept, file, dispatch (again, after a
    退单), decide an extension, verify a report that no grid worker will verify, close."""
    level = _centre_level(user)
    if level is None:
        return Event.objects.none()
    return todo_centre_subtree(user).filter(level=level)


def todo_centre_subtree(user: Any) -> QuerySet[Event]:
    return (Event.objects.visible_to(user).filter(_centre_waiting()).select_related("event_class", "division")
            .annotate(todo_due=_step_due()))


def _event_title(e: Event) -> str:
    what = e.event_class.name if e.event_class_id and e.event_class is not None else (e.category_text or "待分类")
    return f"{e.code or f'事件#{e.pk}'} {what}"


def _event_item(kind: str, e: Event, action: str, due: dt.datetime | None) -> WorkItem:
    now = timezone.now()
    warning = bool(e.warn_at and e.due_at and e.warn_at <= now < e.due_at) or is_due_soon(due, now)
    return WorkItem(kind=kind, ref=str(e.pk), title=_event_title(e), action=action,
                    url=reverse("events:detail", args=[e.pk]), due_at=due, division=e.division_id,
                    overdue=is_overdue(due, now), warning=warning and not is_overdue(due, now),
                    detail=f"{e.division.name} · {e.description[:40]}")


def todo_centre_item(e: Event) -> WorkItem:
    action = CENTRE_ACTION.get(State(e.state), e.get_state_display())
    if e.state == State.FILED and e.return_count:
        action = "重新派遣（已退单）"
    return _event_item(CENTRE_KIND, e, action, e.step_due_at or e.due_at)


def _centre_people(e: Event) -> list[Any]:
    from accounts.models import User

    level = e.level
    code = {"town": e.town_id, "county": e.county_id,
            "city": (e.county_id or e.division_id)[:4] + "00000000"}.get(level)
    if not code:
        return []
    role = CENTRE_ROLE[level]
    return [u for u in User.objects.filter(division_id=code, is_active=True) if has_role(u, role)]


HANDLE_STATES = (State.DISPATCHED, State.EXTENSION_REQUESTED)


def todo_handle(user: Any) -> QuerySet[Event]:
    """The unit's event work (a department handler's unit): 待处置 (dispatched), 返工 (a failed
    核查 sent it back), 延期待批 (still to be fed back); the reporter never handles their own."""
    unit = getattr(user, "unit_id", None)
    if not unit or not has_role(user, Role.DEPT_HANDLER):
        return Event.objects.none()
    return todo_handle_subtree(user).filter(unit_id=unit).exclude(reporter_id=user.pk)


def todo_handle_subtree(user: Any) -> QuerySet[Event]:
    return (Event.objects.visible_to(user).filter(state__in=HANDLE_STATES, unit__isnull=False)
            .select_related("event_class", "division", "unit").annotate(todo_due=F("due_at")))


def todo_handle_item(e: Event) -> WorkItem:
    if e.state == State.EXTENSION_REQUESTED:
        action = "待反馈（延期待批）"
    elif e.rework_count:
        action = "返工（核查未通过，退回处置）"
    else:
        action = "待处置"
    return _event_item(HANDLE_KIND, e, action, e.due_at)


def todo_verify(user: Any) -> QuerySet[Event]:
    """Events the user reported as a grid worker, handled and waiting for their 核查."""
    if not has_role(user, Role.GRID_WORKER):
        return Event.objects.none()
    return todo_verify_subtree(user).filter(reporter_id=user.pk)


def todo_verify_subtree(user: Any) -> QuerySet[Event]:
    return (Event.objects.visible_to(user).filter(state=State.HANDLED, channel__in=WORKER_CHANNELS)
            .select_related("event_class", "division", "reporter").annotate(todo_due=_step_due()))


def todo_verify_item(e: Event) -> WorkItem:
    return _event_item(VERIFY_KIND, e, "核查处置结果", e.step_due_at or e.due_at)


OPEN_CALL = (CallOutcome.PENDING, CallOutcome.REPORTED_IN)


def todo_calls(user: Any) -> QuerySet[CallDepartment]:
    """乡呼县应 calls to the user's county department not yet answered: report in, then answer."""
    unit = getattr(user, "unit_id", None)
    if not unit or not has_role(user, Role.DEPT_HANDLER):
        return CallDepartment.objects.none()
    return todo_calls_subtree(user).filter(unit_id=unit)


def todo_calls_subtree(user: Any) -> QuerySet[CallDepartment]:
    due = Case(When(outcome=CallOutcome.PENDING, then=F("report_in_due")), default=F("answer_due"))
    return (CallDepartment.objects.visible_to(user).filter(outcome__in=OPEN_CALL)
            .select_related("call__event__event_class", "call__event__division", "unit").annotate(todo_due=due))


def todo_call_item(row: CallDepartment) -> WorkItem:
    e = row.call.event
    pending = row.outcome == CallOutcome.PENDING
    due = row.report_in_due if pending else row.answer_due
    now = timezone.now()
    return WorkItem(kind=CALL_KIND, ref=str(row.pk), title=f"乡呼县应：{_event_title(e)}",
                    action="报到" if pending else "答复", url=reverse("events:detail", args=[e.pk]), due_at=due,
                    division=e.division_id, overdue=is_overdue(due, now), warning=is_due_soon(due, now),
                    detail=f"{row.unit.name} · {row.call.reason[:40]}")


def home_figures(user: Any) -> list[Figure]:
    """Events for the command centres and leaders (their subtree: overdue, due today, near their
    deadline), a department's overdue work, a grid worker's own reports. Counted through the
    list's own filterset on the same filter as the link, so each figure equals the list."""
    from events.filtersets import EventFilterSet

    def count(params: dict[str, str]) -> int:
        return int(EventFilterSet(params, queryset=Event.objects.visible_to(user)).qs.count())

    out: list[Figure] = []
    today = timezone.localdate().isoformat()
    if has_role(user, (*COMMAND_ROLES, Role.LEADER)):
        for key, label, params, warn in (
                ("overdue", "超期事件", {"overdue": "true"}, True),
                ("due_today", "今日到期事件", {"kind": "open", "due_after": today, "due_before": today}, False),
                ("warning", "即将超期事件", {"warning": "true"}, True),
                ("open", "在办事件", {"kind": "open"}, False)):
            out.append(Figure(f"events.{key}", label, count(params), list_url(**params), "事件", warn=warn))
    unit = getattr(user, "unit_id", None)
    if has_role(user, Role.DEPT_HANDLER) and unit:
        params = {"unit": str(unit), "overdue": "true"}
        out.append(Figure("events.unit_overdue", "本单位超期事件", count(params), list_url(**params), "事件",
                          warn=True))
    if has_role(user, Role.GRID_WORKER):
        mine = Event.objects.visible_to(user).filter(reporter_id=user.pk).count()
        out.append(Figure("events.mine", "我的上报", mine, list_url(reported_by_me="true"), "事件"))
    return out


def todo_sources() -> list[Source]:
    return [
        Source(kind=CENTRE_KIND, label="事件受理派遣", mine=todo_centre, item=todo_centre_item,
               subtree=todo_centre_subtree, recipients=_centre_people, roles=COMMAND_ROLES),
        Source(kind=HANDLE_KIND, label="事件处置", mine=todo_handle, item=todo_handle_item,
               subtree=todo_handle_subtree, recipients=lambda e: [e.unit] if e.unit is not None else [],
               roles=(Role.DEPT_HANDLER,)),
        Source(kind=VERIFY_KIND, label="事件核查", mine=todo_verify, item=todo_verify_item,
               subtree=todo_verify_subtree, recipients=lambda e: [e.reporter] if e.reporter is not None else [],
               roles=(Role.GRID_WORKER,)),
        Source(kind=CALL_KIND, label="乡呼县应", mine=todo_calls, item=todo_call_item,
               subtree=todo_calls_subtree, recipients=lambda row: [row.unit], roles=(Role.DEPT_HANDLER,)),
    ]
