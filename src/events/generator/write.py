"""The generator's bulk writer: one day's walks (events, steps, town calls, called departments,
escalations, deadline marks, counters) and one audit summary row, in the caller's transaction.

- **Ids first.** Events, town calls and called departments get their ids before the insert
  (`allocate_ids`: the table's sequence on PostgreSQL, `MAX(id)` under SQLite's write lock — the
  platform opens SQLite transactions IMMEDIATE), so rows that point at them (steps, merges,
  escalations) are written in the same pass and nothing is read back.
- **Rows as values.** Each model's columns get one converter, chosen once per column
  (`Table`): plain values as they are, datetimes through the backend's adapter, JSON through the
  field, so the values are what Django's compiler would have bound — without building the ORM's
  insert (which cost most of the old insert time, profiled).
- **COPY on PostgreSQL** (psycopg 3's `cursor.copy`, `write_row`), one `executemany` of a
  prepared INSERT on SQLite.
- **Audit: one summary row per generated day** (`audit.record_event`, action `create`, model
  `events.Event`, object id `generated:<day>`), not one per synthetic row: the generated rows are
  marked `is_synthetic`, deterministic from the seed and day written in the summary, and an audit
  row per event and per step doubled the volume written and a third of the time. The summary
  counts every kind of row and names the event id range, and it joins the audit chain like any
  row (`manage.py verify_audit` checks it). Events created through the services keep their own
  audit rows.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

from core import audit
from events.generator.walk import PlannedStep, Walk
from events.generator.world import World
from events.models import CallDepartment, DeadlineMark, Escalation, Event, EventCounter, Step, TownCall

_TABLES: dict[tuple[str, type[models.Model], bool], Table] = {}


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a column's Python value becomes the value bound for the database (None: as it is)."""
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_value(value, connection)
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return None if connection.vendor == "postgresql" else (lambda v: None if v is None else adapt(v))
    if isinstance(field, models.DecimalField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


class Table:
    """The columns of a model and one converter each; `rows(objs)` reads objects by attribute name
    (model instances or `PlannedStep`s)."""

    def __init__(self, model: type[models.Model], *, with_id: bool) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        self.names = [f.attname for f in self.fields]
        self.converters = [_converter(f) for f in self.fields]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(str(f.column)) for f in self.fields)

    @classmethod
    def of(cls, model: type[models.Model], *, with_id: bool) -> Table:
        key = (connection.vendor, model, with_id)
        if key not in _TABLES:
            _TABLES[key] = cls(model, with_id=with_id)
        return _TABLES[key]

    def rows(self, objs: Iterable[Any]) -> list[tuple[Any, ...]]:
        pairs = list(zip(self.names, self.converters, strict=True))
        return [tuple(getattr(obj, name) if conv is None else conv(getattr(obj, name)) for name, conv in pairs)
                for obj in objs]

    def insert(self, objs: Sequence[Any]) -> None:
        """Write `objs` (COPY on PostgreSQL, executemany elsewhere); integrity errors are Django's."""
        if not objs:
            return
        rows = self.rows(objs)
        with connection.cursor() as cursor, connection.wrap_database_errors:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})", rows)


def allocate_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` new primary keys of `model`, taken before the insert (inside the caller's transaction)."""
    if n <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: transactions are BEGIN IMMEDIATE (settings), so nobody else writes until we commit;
        # AUTOINCREMENT never reuses an id, hence sqlite_sequence as well as the largest row.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        last = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
        last = max(last, cursor.fetchone()[0])
    return list(range(last + 1, last + 1 + n))


def _with_ids(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    for obj, pk in zip(objs, allocate_ids(model, len(objs)), strict=True):
        obj.pk = pk


def _saved(objs: Iterable[models.Model]) -> None:
    for obj in objs:
        obj._state.adding = False


def write_day(walks: list[Walk], world: World, *, day: dt.date, seed: int,
              counters: dict[tuple[str, str], int] | None = None) -> dict[str, Any]:
    """Write one day's walks and their audit summary; returns the summary's counts (see module doc).
    `counters`: the event-code counters as of the end of this day's plan (default: the world's)."""
    events = [w.event for w in walks]
    _with_ids(Event, events)
    for w in walks:
        if w.merge_target is not None:
            w.event.merged_into_id = w.merge_target.event.pk
            w.steps[-1].data["into"]["id"] = w.event.merged_into_id
    Table.of(Event, with_id=True).insert(events)
    _saved(events)
    steps: list[PlannedStep] = [s for w in walks for s in w.steps]
    Table.of(Step, with_id=False).insert(steps)

    calls = [(call, rows) for w in walks for call, rows in w.calls]
    town_calls = [c for c, _ in calls]
    for call in town_calls:
        call.event = call.event  # the event's id, now that it has one
    _with_ids(TownCall, town_calls)
    Table.of(TownCall, with_id=True).insert(town_calls)
    departments = [row for _, rows in calls for row in rows]
    for row in departments:
        row.call = row.call
    _with_ids(CallDepartment, departments)
    Table.of(CallDepartment, with_id=True).insert(departments)
    escalations = [e for w in walks for e in w.escalations]
    for esc in escalations:
        esc.event = esc.event
        if esc.call_department is not None:
            esc.call_department = esc.call_department
    Table.of(Escalation, with_id=False).insert(escalations)
    marks = [m for w in walks for m in w.marks()]
    for mark in marks:
        mark.event = mark.event
    Table.of(DeadlineMark, with_id=False).insert(marks)
    _saved([*town_calls, *departments])
    written = write_counters(world, world.counters if counters is None else counters)

    counts: dict[str, Any] = {
        "events": len(events), "steps": len(steps), "town_calls": len(town_calls),
        "call_departments": len(departments), "escalations": len(escalations), "deadline_marks": len(marks),
        "counters": written,
        "event_ids": [min(e.pk for e in events), max(e.pk for e in events)] if events else [],
        "by_county": dict(sorted(Counter(e.county_id or "" for e in events).items())),
        "marks": dict(Counter(m.colour for m in marks)),
        "escalated": dict(Counter(f"{e.cause}/{e.to_level}" for e in escalations)),
    }
    if events:
        audit.record_event(
            "create", model=Event._meta.label, object_id=f"generated:{day.isoformat()}",
            object_repr=f"生成事件（合成）{day.isoformat()}：{len(events)} 件，步骤 {len(steps)} 条",
            division_code=_common_division(events),
            detail={"generated": {"day": day.isoformat(), "seed": seed, **counts}})
    return counts


def _common_division(events: list[Event]) -> str:
    """The deepest division holding every event (the county, or the city; "" across cities)."""
    counties = {e.county_id or e.division_id[:6] + "000000" for e in events}
    if len(counties) == 1:
        return counties.pop()
    cities = {c[:4] for c in counties}
    return cities.pop() + "00000000" if len(cities) == 1 else ""


def write_counters(world: World, counters: dict[tuple[str, str], int]) -> int:
    """Bring `EventCounter` up to `counters` (new rows inserted, moved ones updated by key);
    returns how many rows were written."""
    changed = {key: last for key, last in counters.items() if world.counters_written.get(key) != last}
    new = [EventCounter(division_id=d, class_code=c, last=last) for (d, c), last in changed.items()
           if (d, c) not in world.counters_seen]
    old = [(last, d, c) for (d, c), last in changed.items() if (d, c) in world.counters_seen]
    Table.of(EventCounter, with_id=False).insert(new)
    if old:
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {connection.ops.quote_name(EventCounter._meta.db_table)} SET last = %s "
                               "WHERE division_id = %s AND class_code = %s", old)
    world.counters_seen |= {(r.division_id, r.class_code) for r in new}
    world.counters_written.update(changed)
    return len(changed)
