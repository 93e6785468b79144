"""The deadline sweep (issue 9 item 1): yellow and red marks, escalation one level up, unanswered calls.

`deadlines_sweep(now=…)` is run every minute by the Huey periodic task `events.tasks.sweep_deadlines`
(and by `manage.py sweep_events`). It is set-based — a few statements however many rows are due —
and idempotent: any number of sweeps may run at once, be killed midway or run twice.

- **Marks.** Open, not suspended events whose `warn_at` (yellow, 80 % of the working time allowed)
  or `due_at` (red) has passed and that have no mark of that colour for that deadline yet get one
  `DeadlineMark` row each (one SELECT with NOT EXISTS, one insert; unique per event, colour and
  deadline, so a concurrent sweep's insert fails and its transaction is rolled back whole).
- **Escalation.** Open, not suspended events at the town or county level whose `escalate_at` has
  passed (strictly: overdue is after the deadline) go one level up (town → county → city): per target level and new escalation time one
  `UPDATE … WHERE id IN (…) AND level = … AND escalate_at < now AND state … RETURNING` — the
  compare-and-set: an event another sweep escalated meanwhile no longer matches (PostgreSQL
  re-checks the WHERE after the row lock is released), so it is escalated exactly once. For the
  rows won: `Escalation` rows (unique per event, target level and the deadline passed), one
  `escalate` step each (seq = the new version; unique per event), audit rows and outbox rows
  (`events.notify`), all in the same transaction. The county gets the class's 处置 limit again
  from the escalation (`escalate_at`), after which it goes to the city; the city is the top.
- **Calls.** Called departments that missed their report-in or answer time on an open event are
  marked unanswered (compare-and-set on the outcome) and the call is escalated to the county
  centre (`Escalation`, cause `call`, unique per department), with its outbox row.

Notifications are outbox rows of kind `events.notify` (see `events.notices`), so they are
delivered at least once even if every process dies after the commit.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core import audit
from core.workcal import due_time
from events import lifecycle
from events.choices import Level
from events.lifecycle import State, StateKind
from events.models import (
    CallDepartment,
    CallOutcome,
    DeadlineMark,
    Escalation,
    EscalationCause,
    Event,
    EventClass,
    Mark,
    Step,
)
from notify import outbox

NEXT_LEVEL: dict[str, str] = {Level.TOWN: Level.COUNTY, Level.COUNTY: Level.CITY}
LEVEL_NAMES: dict[str, str] = {Level.TOWN: "镇街", Level.COUNTY: "县级", Level.CITY: "市级"}
NOTIFY_KIND = "events.notify"
CHUNK = 1000
T = TypeVar("T")


@dataclass
class SweepResult:
    """What one sweep did: event ids marked yellow / red, escalated (with the level reached), calls escalated."""

    yellow: list[int] = field(default_factory=list)
    red: list[int] = field(default_factory=list)
    escalated: dict[int, str] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"yellow {len(self.yellow)}, red {len(self.red)}, escalated {len(self.escalated)}, "
                f"calls escalated {len(self.calls)}")


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _sweepable() -> Q:
    return Q(state_kind=StateKind.OPEN) & ~Q(state=State.SUSPENDED)


def _work(event_id: int, division_id: str, key: str, **payload: Any) -> outbox.Work:
    return outbox.Work(NOTIFY_KIND, {"event": event_id, **payload}, key, division_id)


def _memo(fn: Any) -> Any:
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value not in seen:
            seen[value] = fn(value)
        return seen[value]
    return convert


def _converters(model: type[Any], conn: Any) -> list[tuple[str, Any, Any]]:
    """(attname, default, convert) per column: datetimes and JSON adapted for the backend, the rest
    (text, numbers, booleans, foreign-key ids) passed as they are."""
    out = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if isinstance(f, models.DateTimeField):
            convert: Any = _memo(conn.ops.adapt_datetimefield_value)  # a sweep repeats a few instants
        elif isinstance(f, models.JSONField):
            convert = partial(f.get_db_prep_save, connection=conn)
        else:
            convert = None
        out.append((f.attname, f.get_default(), convert))
    return out


def _client_cursor() -> type[Any]:
    import psycopg

    return psycopg.ClientCursor


def _insert(model: type[Any], rows: list[dict[str, Any]], returning: str = "") -> list[tuple[Any, ...]]:
    """Insert `rows` (attname → value; other columns get their defaults) with plain SQL, the sweep's
    write path: building model instances and compiling the ORM's bulk insert cost several times the
    database's own work here (profiled). PostgreSQL: one `INSERT … SELECT * FROM unnest(<one array
    per column>)` per 5,000 rows (a VALUES list of thousands of parameters is slow to parse and
    plan there); SQLite: multi-row `VALUES` per 500 rows. Returns the `RETURNING` rows when asked,
    in the order given."""
    conn = connections[DEFAULT_DB_ALIAS]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    converters = _converters(model, conn)
    table = conn.ops.quote_name(model._meta.db_table)
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    tail = f" RETURNING {returning}" if returning else ""
    out: list[tuple[Any, ...]] = []
    postgres = conn.vendor == "postgresql"
    with conn.cursor() as cursor:
        for part in _chunks(rows, 5000 if postgres else 500):
            values = [[row.get(name, default) if convert is None or row.get(name, default) is None
                       else convert(row.get(name, default)) for name, default, convert in converters] for row in part]
            if postgres:
                # binary arrays where the cursor binds on the server: psycopg's text format escapes
                # every element with a regex, most of the sweep's own CPU time (profiled)
                mark = "%s" if isinstance(cursor.cursor, _client_cursor()) else "%b"
                arrays = ", ".join(f"{mark}::{f.db_type(conn)}[]" for f in fields)
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}){tail}",
                               [list(column) for column in zip(*values, strict=True)])
            else:
                one = "(" + ", ".join(["%s"] * len(fields)) + ")"
                cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))}{tail}",
                               [v for row in values for v in row])
            if returning:
                out.extend(tuple(r) for r in cursor.fetchall())
    return out


def _audit_rows(label: str, action: str, items: list[tuple[Any, str, str, Any, Any]], now: dt.datetime
                ) -> list[dict[str, Any]]:
    """Audit rows (core.audit's shape) for `(object id, repr, division, before, after)` items, as the
    current actor (the sweep runs as `system`, source `sweep`)."""
    actor_id, actor_name, source = audit.current_actor()
    return [{"at": now, "actor_id": actor_id, "actor_name": actor_name[:150], "source": source, "action": action,
             "model": label, "object_id": str(pk), "object_repr": text[:200], "before": before, "after": after,
             "division_code": division} for pk, text, division, before, after in items]


def mark_deadlines(now: dt.datetime) -> tuple[list[int], list[int]]:
    """Yellow and red marks for every open event past its warning point / deadline (one round each)."""
    from core.models import AuditLog

    found: dict[str, list[int]] = {}
    with transaction.atomic():
        # yellow AT 80 % of the working time, red AFTER the deadline (issue 9)
        for colour, point, op in ((Mark.YELLOW, "warn_at", "lte"), (Mark.RED, "due_at", "lt")):
            seen = DeadlineMark.objects.filter(event=OuterRef("pk"), colour=colour, due_at=OuterRef("due_at"))
            rows = list(Event.objects.filter(_sweepable(), **{f"{point}__{op}": now}, due_at__isnull=False)
                        .filter(~Exists(seen)).order_by("pk").values_list("pk", "due_at", point, "level", "unit_id",
                                                                          "division_id", "code"))
            if not rows:
                found[colour] = []
                continue
            marks = [{"event_id": pk, "colour": colour, "due_at": due, "mark_at": at, "level": level, "unit_id": unit,
                      "at": now} for pk, due, at, level, unit, _, _ in rows]
            try:
                with transaction.atomic():
                    ids = [r[0] for r in _insert(DeadlineMark, marks, returning="id")]
            except IntegrityError:
                found[colour] = []  # a concurrent sweep marked them (unique per round): it notifies
                continue
            _insert(AuditLog, _audit_rows("events.DeadlineMark", "create", [
                (mid, f"{pk} {colour}", div, None, {"event_id": pk, "colour": colour, "due_at": due.isoformat(),
                                                   "mark_at": at.isoformat(), "level": level, "unit_id": unit})
                for mid, (pk, due, at, level, unit, div, _) in zip(ids, rows, strict=True)], now))
            # one outbox row per batch: the handler turns it into a notification per event
            outbox.enqueue_many([_work(rows[0][0], rows[0][5], f"marks:{colour}:{ids[0]}:{len(ids)}", marks=ids)])
            found[colour] = [r[0] for r in rows]
    return found.get(Mark.YELLOW, []), found.get(Mark.RED, [])


def _next_escalation(level: str, cls: EventClass | None, now: dt.datetime,
                     cache: dict[tuple[float, str], dt.datetime]) -> dt.datetime | None:
    """When the event escalates again: the city is the top (None); the county gets the class's
    处置 limit again, counted from now."""
    if NEXT_LEVEL[level] == Level.CITY or cls is None:
        return None
    amount, unit = cls.limit(lifecycle.DUE_HANDLE)
    if (amount, unit) not in cache:
        cache[(amount, unit)] = due_time(now, amount, unit).due_at
    return cache[(amount, unit)]


def _update_sql(count: int) -> str:
    table = connection.ops.quote_name(Event._meta.db_table)
    marks = ", ".join(["%s"] * count)
    return (f"UPDATE {table} SET level = %s, version = version + 1, escalate_at = %s, updated_at = %s "
            f"WHERE id IN ({marks}) AND level = %s AND state_kind = %s AND state <> %s AND escalate_at < %s "
            f"RETURNING id, version, state, division_id, code")


def escalate_overdue(now: dt.datetime, limit: int = 20000) -> dict[int, str]:
    """Escalate every open event past its `escalate_at` one level up; returns {event id: new level}."""
    rows = list(Event.objects.filter(_sweepable(), escalate_at__lt=now, level__in=list(NEXT_LEVEL))
                .order_by("escalate_at").values_list("pk", "level", "event_class_id", "escalate_at")[:limit])
    if not rows:
        return {}
    classes = EventClass.objects.in_bulk({r[2] for r in rows if r[2]})
    cache: dict[tuple[float, str], dt.datetime] = {}
    groups: dict[tuple[str, dt.datetime | None], list[int]] = defaultdict(list)
    passed: dict[int, dt.datetime] = {}
    for pk, level, cls_id, escalate_at in rows:
        groups[(level, _next_escalation(level, classes.get(cls_id), now, cache))].append(pk)
        passed[pk] = escalate_at
    adapt = connection.ops.adapt_datetimefield_value
    won: list[tuple[str, tuple[Any, ...]]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for (level, again), ids in groups.items():
            for part in _chunks(ids):
                cursor.execute(_update_sql(len(part)), [NEXT_LEVEL[level], adapt(again), adapt(now), *part, level,
                                                        StateKind.OPEN, State.SUSPENDED, adapt(now)])
                won.extend((level, tuple(r)) for r in cursor.fetchall())
        if not won:
            return {}
        _record_escalations(won, passed, now)
    return {row[0]: NEXT_LEVEL[level] for level, row in won}


def _record_escalations(won: list[tuple[str, tuple[Any, ...]]], passed: dict[int, dt.datetime],
                        now: dt.datetime) -> None:
    """For the events won: Escalation rows, `escalate` steps, audit rows (event, escalation, step) and
    one outbox row per batch — plain multi-row inserts."""
    from core.models import AuditLog

    escalations, steps, changes = [], [], []
    for level, (pk, version, state, division_id, code) in won:
        to, due = NEXT_LEVEL[level], passed[pk]
        escalations.append({"event_id": pk, "cause": EscalationCause.OVERDUE, "from_level": level, "to_level": to,
                            "due_at": due, "at": now, "seq": version})
        steps.append({"event_id": pk, "seq": version, "action": lifecycle.Action.ESCALATE, "actor_name": "system",
                      "at": now, "note": f"超过时限 {timezone.localtime(due):%Y-%m-%d %H:%M} 未办结，升级到"
                                         f"{LEVEL_NAMES[to]}指挥中心",
                      "from_state": state, "to_state": state, "level": to,
                      "data": {"cause": EscalationCause.OVERDUE, "from": level, "to": to, "due_at": due.isoformat()}})
        changes.append((pk, code or f"事件#{pk}", division_id, {"level": level, "version": version - 1},
                        {"level": to, "version": version}))
    esc_ids = [r[0] for r in _insert(Escalation, escalations, returning="id")]
    step_ids = [r[0] for r in _insert(Step, steps, returning="id")]
    divisions = [c[2] for c in changes]
    entries = _audit_rows("events.Event", "update", changes, now)
    entries += _audit_rows("events.Escalation", "create", [
        (i, f"{e['event_id']} {e['from_level']}→{e['to_level']}", div, None, {**e, "due_at": e["due_at"].isoformat(),
                                                                            "at": now.isoformat()})
        for i, e, div in zip(esc_ids, escalations, divisions, strict=True)], now)
    entries += _audit_rows("events.Step", "create", [
        (i, f"{s['event_id']}#{s['seq']} escalate", div, None, {**s, "at": now.isoformat()})
        for i, s, div in zip(step_ids, steps, divisions, strict=True)], now)
    _insert(AuditLog, entries)
    first = won[0][1]
    outbox.enqueue_many([_work(first[0], first[3], f"escalated:{esc_ids[0]}:{len(esc_ids)}", escalated=esc_ids)])


def escalate_unanswered_calls(now: dt.datetime) -> list[int]:
    """Mark called departments that missed their report-in or answer time unanswered and escalate
    each to the county centre; returns the CallDepartment ids escalated."""
    missed = (Q(outcome=CallOutcome.PENDING, report_in_due__lt=now) |
              Q(outcome__in=(CallOutcome.PENDING, CallOutcome.REPORTED_IN), answer_due__lt=now))
    rows = list(CallDepartment.objects.filter(missed, call__event__state_kind=StateKind.OPEN)
                .select_related("call__event").order_by("answer_due")[:5000])
    done: list[int] = []
    with transaction.atomic():
        for row in rows:
            before = audit.snapshot(row)
            n = CallDepartment.objects.filter(pk=row.pk, outcome=row.outcome).update(
                outcome=CallOutcome.UNANSWERED, escalated_at=now)
            if not n:
                continue  # answered, or escalated by another sweep, meanwhile
            due = row.report_in_due if row.outcome == CallOutcome.PENDING else row.answer_due
            row.outcome, row.escalated_at = CallOutcome.UNANSWERED, now
            event = row.call.event
            esc = Escalation.objects.create(event=event, cause=EscalationCause.CALL, from_level=Level.TOWN,
                                            to_level=Level.COUNTY, due_at=due, at=now, call_department=row)
            audit.record(row, "update", before, audit.snapshot(row))
            outbox.enqueue_many([_work(event.pk, event.division_id, f"event:{event.pk}:call-escalation:{row.pk}",
                                       escalation=esc.pk)])
            done.append(row.pk)
    return done


def deadlines_sweep(*, now: dt.datetime | None = None, limit: int = 20000) -> SweepResult:
    """One sweep: marks, escalations, unanswered calls (each phase its own transaction). `now`
    defaults to the current time (tests pass hand-written instants)."""
    now = now or timezone.now()
    with audit.acting_as(None, source="sweep", name="system"):
        yellow, red = mark_deadlines(now)
        escalated = escalate_overdue(now, limit)
        calls = escalate_unanswered_calls(now)
    return SweepResult(yellow, red, escalated, calls)
