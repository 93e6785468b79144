"""Reads for the command-centre screen, each one set-based query (or a few) over the viewer's subtree.

Every query starts from `Event.objects.visible_to(user)` / `Step.objects.visible_to(user)` /
notify's `inbox_for(user)`, so a town's screen never sees another town's rows: not in the map, the
queues, the counts, the trend, nor the change cursor.

Shapes (all times ISO 8601 in the current time zone):

- `map_events` → `[[id, lat, lng, state, warn_at, due_at, class name], …]` (open events with a point);
- `queues` → `{"accept"|"file"|"dispatch": {"total", "rows": [row…]}}`;
- `warnings` → `{"overdue"|"near_due": {"total", "rows": [row…]}, "spikes": [spike…]}` (a spike:
  `{"kind": "class"|"town", "key", "name", "count", "mean", "sd", "threshold"}`, `events.selectors.spikes`);
- `today_figures` → `{"received", "filed", "dispatched", "handled", "closed", "overdue",
  "by_channel": {code: n}, "by_level": {code: n}}` (filed … closed: events with such a step today);
- `trend` → `{"days": [YYYY-MM-DD…], "received": [n…], "closed": [n…]}` (30 days ending today);
- `cursor` → a short string that changes whenever anything on the screen may have changed.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.roles import Role, has_role
from core.sqlhints import OffIndex
from events.choices import Channel, Level
from events.lifecycle import Action, State, StateKind
from events.models import Event, Step
from events.selectors import spikes
from notify.choices import NotificationKind
from notify.selectors import inbox_for

MAP_LIMIT = 5000        # newest open events on the map; a wall shows no more than this
QUEUE_LIMIT = 30        # rows per queue and per warning list (the totals are exact)
TREND_DAYS = 30
CURSOR_BUCKET = 300     # seconds: deadline colours and the overdue count move with time, not with writes
ALERT_KINDS = (NotificationKind.ESCALATED, NotificationKind.CALLED)
VIEWER_ROLES = (Role.CITY_COMMAND, Role.COUNTY_COMMAND, Role.TOWN_COMMAND, Role.LEADER)
QUEUE_STATES = {"accept": State.REPORTED, "file": State.ACCEPTED, "dispatch": State.FILED}
DONE_ACTIONS = {Action.FILE: "filed", Action.DISPATCH: "dispatched", Action.FEEDBACK: "handled", Action.CLOSE: "closed"}


def may_view(user: Any) -> bool:
    """Command centres of any level and leaders see the screen (of their own subtree)."""
    return bool(user.is_superuser or has_role(user, *VIEWER_ROLES))


def viewer_level(user: Any) -> str:
    """The centre level of the viewer: their division's level if town, county or city, else town."""
    division = getattr(user, "division", None)
    level = getattr(division, "level", "") if division is not None else Level.CITY
    return level if level in Level.values else Level.TOWN


def open_events(user: Any) -> QuerySet[Event]:
    return Event.objects.visible_to(user).filter(state_kind=StateKind.OPEN)


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def deadline_state(warn_at: dt.datetime | None, due_at: dt.datetime | None, now: dt.datetime) -> str:
    """"red" past `due_at`, "yellow" past `warn_at`, else "normal" (events issue: warn_at at 80 %)."""
    if due_at is not None and now >= due_at:
        return "red"
    if warn_at is not None and now >= warn_at:
        return "yellow"
    return "normal"


def map_events(user: Any) -> list[list[Any]]:
    """Open events with a point, newest first, at most MAP_LIMIT."""
    rows = (open_events(user).exclude(lat=None).exclude(lng=None).order_by("-reported_at")
            .values_list("id", "lat", "lng", "state", "warn_at", "due_at", "event_class__name", "category_text")
            [:MAP_LIMIT])
    return [[pk, round(lat or 0.0, 6), round(lng or 0.0, 6), state, _iso(warn), _iso(due), cls or text]
            for pk, lat, lng, state, warn, due, cls, text in rows]


_ROW_FIELDS = ("id", "code", "state", "level", "reported_at", "warn_at", "due_at", "step_due_at", "description",
               "address", "channel", "severity", "event_class__name", "category_text", "division__name",
               "proposed_unit_id", "proposed_unit__name", "proposed_level", "unit__name", "routing")


def _rows(qs: QuerySet[Event], now: dt.datetime) -> list[dict[str, Any]]:
    out = []
    for r in qs.values(*_ROW_FIELDS):
        routing = r.pop("routing") or {}
        out.append({
            "id": r["id"], "code": r["code"] or "", "state": r["state"], "level": r["level"],
            "class": r["event_class__name"] or r["category_text"], "description": r["description"][:80],
            "place": r["address"] or r["division__name"] or "", "channel": r["channel"], "severity": r["severity"],
            "reported_at": _iso(r["reported_at"]), "due_at": _iso(r["due_at"]),
            "deadline": deadline_state(r["warn_at"], r["due_at"], now),
            "proposal": {"unit": r["proposed_unit_id"], "unit_name": r["proposed_unit__name"] or "",
                         "level": r["proposed_level"], "why": _why(routing)},
            "unit_name": r["unit__name"] or "",
        })
    return out


def _why(routing: dict[str, Any]) -> str:
    """One line of the routing proposal's reason (`events.routing.Proposal.as_dict`)."""
    for key in ("reason", "why", "basis"):
        value = routing.get(key)
        if isinstance(value, str) and value:
            return value[:120]
        if isinstance(value, list) and value:
            return "；".join(str(v) for v in value)[:120]
    return ""


def queues(user: Any, now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Events waiting for the viewer's centre to accept (受理), file (立案) or dispatch (派遣): the
    subtree's events of the viewer's level in that state, the most urgent step first."""
    now = now or timezone.now()
    base = open_events(user).filter(level=viewer_level(user))
    totals = dict(base.filter(state__in=QUEUE_STATES.values()).order_by().values_list("state")
                  .annotate(n=Count("id")).values_list("state", "n"))
    out = {}
    for name, state in QUEUE_STATES.items():
        qs = base.filter(state=state).order_by("step_due_at", "reported_at")[:QUEUE_LIMIT]
        out[name] = {"total": int(totals.get(state, 0)), "rows": _rows(qs, now)}
    return out


def warnings(user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """Overdue (past `due_at`) and near due (past `warn_at`, not yet due) open events, soonest first;
    and spikes: classes and towns of the subtree with markedly more events this hour than usual for
    this hour and weekday (`events.selectors.spikes`; they move with the cursor's time slot)."""
    now = now or timezone.now()
    base = open_events(user)
    overdue = base.filter(due_at__lte=now)
    near = base.filter(warn_at__lte=now, due_at__gt=now)
    return {"overdue": {"total": overdue.count(), "rows": _rows(overdue.order_by("due_at")[:QUEUE_LIMIT], now)},
            "near_due": {"total": near.count(), "rows": _rows(near.order_by("due_at")[:QUEUE_LIMIT], now)},
            "spikes": [s.as_dict() for s in spikes(Event.objects.visible_to(user), now)[:QUEUE_LIMIT]]}


def _day_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def grouped_count(qs: QuerySet[Event], column: str) -> QuerySet[Any, tuple[str, int]]:
    """Rows (value, events) of `qs` grouped by `column`, the column kept off its index on SQLite
    (`core.sqlhints.OffIndex`: else SQLite scans that index over every event to skip a sort)."""
    return qs.order_by().annotate(key=OffIndex(F(column))).values_list("key").annotate(n=Count("id")).values_list(
        "key", "n")


def _count_by(qs: QuerySet[Event], column: str) -> dict[str, int]:
    return {key: int(n) for key, n in grouped_count(qs, column)}


def today_figures(user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """Today's figures (since local midnight) in the subtree; `overdue` is the open events past due now."""
    now = now or timezone.now()
    start = _day_start(now)
    events = Event.objects.visible_to(user)
    received = events.filter(reported_at__gte=start)
    by_channel = _count_by(received, "channel")
    by_level = _count_by(received, "level")
    # events filed / dispatched / handled / closed today, from today's steps (`Step.at` is indexed; the
    # events' `filed_at`… are not, and a count over them read every event of the subtree)
    done = dict(Step.objects.visible_to(user).filter(at__gte=start, action__in=list(DONE_ACTIONS)).order_by()
                .values_list("action").annotate(n=Count("event", distinct=True)).values_list("action", "n"))
    return {
        "received": sum(by_channel.values()),
        **{name: int(done.get(action, 0)) for action, name in DONE_ACTIONS.items()},
        "overdue": open_events(user).filter(due_at__lte=now).count(),
        "by_channel": {c: int(by_channel.get(c, 0)) for c in Channel.values},
        "by_level": {lv: int(by_level.get(lv, 0)) for lv in Level.values},
    }


def trend(user: Any, now: dt.datetime | None = None, days: int = TREND_DAYS) -> dict[str, list[Any]]:
    """Events received and closed per local day, the last `days` days ending today."""
    now = now or timezone.now()
    first = _day_start(now) - dt.timedelta(days=days - 1)
    events = Event.objects.visible_to(user)
    # COUNT(*) and the day and division only: answered from the (day, division) indexes
    received = dict(events.filter(reported_at__gte=first).annotate(d=TruncDate("reported_at")).order_by()
                    .values_list("d").annotate(n=Count("*")).values_list("d", "n"))
    closed = dict(events.filter(closed_at__gte=first).annotate(d=TruncDate("closed_at")).order_by()
                  .values_list("d").annotate(n=Count("*")).values_list("d", "n"))
    labels = [(first + dt.timedelta(days=i)).date() for i in range(days)]
    return {"days": [d.isoformat() for d in labels],
            "received": [int(received.get(d, 0)) for d in labels],
            "closed": [int(closed.get(d, 0)) for d in labels]}


def alerts(user: Any) -> list[dict[str, Any]]:
    """Unread escalations (已上报升级) and town calls (乡呼县应) in the viewer's inbox, newest first:
    the command screen shows a banner and plays a sound for a new one."""
    rows = inbox_for(user, unread=True).filter(kind__in=ALERT_KINDS).values("id", "kind", "title", "link")[:10]
    return [dict(row) for row in rows]


def cursor(user: Any, now: dt.datetime | None = None) -> str:
    """Changes whenever the screen may differ: the newest step in the subtree (every change of an
    event, its birth included, writes one), the newest notification of the viewer's inbox, and a
    CURSOR_BUCKET time slot (deadline colours, overdue counts, the day's start). Two index reads."""
    now = now or timezone.now()
    # ORDER BY id DESC LIMIT 1, not MAX(id): PostgreSQL answers MAX over a join by reading every
    # step of the subtree, the LIMIT by walking the primary key backwards to the first step in it
    step = Step.objects.visible_to(user).order_by("-id").values_list("id", flat=True).first() or 0
    note = inbox_for(user).order_by("-id").values_list("id", flat=True).first() or 0
    slot = int(now.timestamp()) // CURSOR_BUCKET
    return f"{step}.{note}.{slot}"


PARTS = ("map", "queues", "warnings", "figures", "trend", "alerts")


def screen_state(user: Any, parts: tuple[str, ...] = PARTS, now: dt.datetime | None = None) -> dict[str, Any]:
    """The parts of the screen asked for, computed at one `now`."""
    now = now or timezone.now()
    out: dict[str, Any] = {"now": _iso(now)}
    if "map" in parts:
        out["map"] = map_events(user)
    if "queues" in parts:
        out["queues"] = queues(user, now)
    if "warnings" in parts:
        out["warnings"] = warnings(user, now)
    if "figures" in parts:
        out["figures"] = today_figures(user, now)
    if "trend" in parts:
        out["trend"] = trend(user, now)
    if "alerts" in parts:
        out["alerts"] = alerts(user)
    return out
