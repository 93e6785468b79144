"""Insert-or-return: the one way a retried client write finds its first row (DESIGN.md §6: a retried
submission never creates a duplicate), on SQLite and PostgreSQL alike.

`INSERT … ON CONFLICT DO NOTHING RETURNING …` (SQLite ≥ 3.35: `INSERT OR IGNORE … RETURNING`) is
one statement: of twenty concurrent retries of the same client id exactly one inserts; on
PostgreSQL the others wait on the unique index for the first transaction, then insert nothing, and
their next statement (READ COMMITTED) reads the committed row. A check-then-insert instead lets two
retries both see "no row" and the second fail with an IntegrityError.

One row (`insert_one`, and `insert_ignoring_conflicts` of one object) takes a hot path: the
statement is compiled by the ORM once per process (per model, database, returned columns and
conflict rule) and only the values are converted per call, as the ORM's compiler converts them
(`field.pre_save(obj, True)`, then `get_db_prep_save`) — compiling a 50-column insert cost more
than the database's work for it (profiled on the events intake).

A row and its first child with both audit entries (`insert_with_child`: an event and its report
step) are, on PostgreSQL, one statement: data-modifying CTEs that read each row from one JSON
document (`jsonb_populate_record`). Few parameters and a short text, so psycopg converts the query
once per process and the server plans it once (psycopg re-parses every call a query of over 50
parameters or 4 KB); one statement needs no BEGIN and COMMIT round trips, which the intake
measured at a seventh of its CPU (`bench/cases/intake.py`).

Rows written here bypass `save()` (no signals): callers audit them themselves (`core.audit`), except
in `insert_with_child`, which writes the entries.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import orjson
from django.db import connections, models, router, transaction
from django.db.models import Field, Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from core import audit

_STATEMENTS: dict[tuple[str, str, tuple[str, ...], bool], tuple[str, list[Field[Any, Any]]]] = {}


def _compiled(model: type[Model], objs: Sequence[Model], using: str, returning: Sequence[str],
              ignore_conflicts: bool) -> tuple[str, tuple[Any, ...], list[Field[Any, Any]]]:
    opts = model._meta
    fields = [f for f in opts.local_concrete_fields if not f.primary_key]
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
    query.insert_values(fields, list(objs))
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [opts.get_field(name) for name in returning]
    (sql, params), = compiler.as_sql()
    return sql, params, fields


def insert_one(model: type[Model], obj: Model, *, returning: Sequence[str] = ("id",),
               ignore_conflicts: bool = False) -> tuple[Any, ...] | None:
    """Insert one row; its `returning` columns, or None when `ignore_conflicts` skipped it (a unique
    constraint already holds such a row). With "id" returned, `obj.pk` is set and `obj` is marked
    saved (as `bulk_create` does). No signals: audit the row yourself.

    The statement is the ORM's own, compiled on first use and kept; a value that is an SQL
    expression, or a field with its own placeholder, takes the ORM's path every time."""
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    key = (model._meta.label, using, tuple(returning), ignore_conflicts)
    obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
    cached = _STATEMENTS.get(key)
    params: Any = None
    if cached is not None:
        sql, fields = cached
        values = [f.pre_save(obj, True) for f in fields]
        if not any(hasattr(v, "resolve_expression") for v in values):
            params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    if params is None:
        expressions = any(hasattr(v, "resolve_expression") for v in obj.__dict__.values())
        sql, params, fields = _compiled(model, [obj], using, returning, ignore_conflicts)
        if cached is None and not expressions and len(params) == len(fields) and not any(
                hasattr(f, "get_placeholder") for f in fields):
            _STATEMENTS[key] = (sql, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    found = tuple(row)
    if "id" in returning and model._meta.pk is not None and model._meta.pk.attname == "id":
        obj.pk = found[list(returning).index("id")]
        obj._state.adding = False
        obj._state.db = using
    return found


def insert_ignoring_conflicts(model: type[Model], objs: Sequence[Model],
                              returning: Sequence[str] = ("id",)) -> list[tuple[Any, ...]]:
    """Insert `objs` in one statement, skipping every row that would break a unique constraint.

    Returns one tuple of the `returning` columns per row actually inserted (the skipped rows
    return nothing), in no guaranteed order. The objects' primary keys are not set (except for
    one object, through `insert_one`).

    Caution (SQLite): `INSERT OR IGNORE` also skips rows that break NOT NULL or CHECK
    constraints, so callers validate values first and treat "nothing inserted and nothing found"
    as a bug.
    """
    if not objs:
        return []
    if len(objs) == 1:
        row = insert_one(model, objs[0], returning=returning, ignore_conflicts=True)
        return [] if row is None else [row]
    using = router.db_for_write(model)
    sql, params, _fields = _compiled(model, objs, using, returning, True)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


# --- a row, its first child and both audit entries (see the module docstring) ---------------------

#: Field classes (exact) whose database value is the attribute's own value when that is a plain
#: JSON scalar; any other field (a subclass such as core.personal's encrypted PersonalField, or a
#: value of another type) goes through `get_db_prep_save`.
_AS_IS_FIELDS = frozenset({models.CharField, models.TextField, models.IntegerField, models.BigIntegerField,
                           models.SmallIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
                           models.PositiveBigIntegerField, models.BooleanField, models.FloatField,
                           models.ForeignKey, models.JSONField})
_SCALARS = (str, int, float, bool, type(None))
#: Stand-ins for the ids in an audit entry's `object_repr` (`str(instance)` before the ids exist),
#: replaced in SQL; private-use characters, never in a model's text representation.
_PARENT_ID, _CHILD_ID = "\ue000parent\ue000", "\ue000child\ue000"
_FAMILY_SQL: dict[tuple[str, str, str, bool], str | None] = {}


def insert_with_child(parent: Model, child: Model, *, link: str, ignore_conflicts: bool = False) -> bool:
    """Insert `parent`, then `child` with its foreign key `link` (a field name) pointing at it, and a
    `create` audit entry for each (`core.audit`, the current actor), all or nothing. Returns False
    when `ignore_conflicts` met a unique constraint already holding such a parent: nothing written.
    Both objects get their primary keys and are marked saved; no signals.

    PostgreSQL: one statement (module docstring), atomic by itself: a caller with nothing else to
    write needs no transaction. Elsewhere, or when the tables hold columns the models do not:
    `insert_one` for each row and `audit.record_many`, in a transaction. Errors: the database's
    (IntegrityError for a constraint other than the one skipped, DataError for a bad value);
    ValueError for a float that is not finite.
    """
    using = router.db_for_write(type(parent), instance=parent)
    connection = connections[using]
    parent._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
    sql = _family_sql(type(parent), type(child), link, ignore_conflicts, using) \
        if connection.vendor == "postgresql" else None
    if sql is None:
        with transaction.atomic(using=using):
            if insert_one(type(parent), parent, ignore_conflicts=ignore_conflicts) is None:
                return False
            setattr(child, link, parent)
            insert_one(type(child), child)
            audit.record_many([(parent, "create", None, audit.snapshot(parent)),
                               (child, "create", None, audit.snapshot(child))])
        return True
    fk: Any = child._meta.get_field(link)
    (parent_doc, parent_after), (child_doc, child_after) = (_document(parent, connection),
                                                            _document(child, connection, skip=fk.column))
    now = timezone.now().isoformat()
    entries, reprs = [], []
    for obj, pending in ((parent, {_pk(parent).attname: _PARENT_ID}),
                         (child, {_pk(child).attname: _CHILD_ID, fk.attname: _PARENT_ID})):
        entry = audit.entry_values(obj, "create", None, None)
        entry.update(at=now, seal_seq=None, seal_hash="")
        entries.append(_dumps(entry))
        reprs.append(_repr_pending(obj, pending))
    params = [parent_doc, child_doc, *entries, parent_after, child_after, *reprs]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    for obj, pk in ((parent, row[0]), (child, row[1])):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    setattr(child, link, parent)
    return True


def _pk(model: type[Model] | Model) -> Field[Any, Any]:
    pk = model._meta.pk
    assert pk is not None  # every concrete model has one
    return pk


def _repr_pending(obj: Model, pending: dict[str, str]) -> str:
    """`str(obj)[:200]` with the ids it will have shown as `_PARENT_ID` / `_CHILD_ID`."""
    saved = {name: obj.__dict__.get(name) for name in pending}
    obj.__dict__.update(pending)  # plain attributes: no descriptor drops a cached relation
    try:
        return str(obj)[:200]
    finally:
        obj.__dict__.update(saved)


_AS_IS, _TIME, _PREPARED = 0, 1, 2
_LAYOUTS: dict[type[Model], list[tuple[Field[Any, Any], str, int]]] = {}


def _layout(model: type[Model]) -> list[tuple[Field[Any, Any], str, int]]:
    """(field, column, how its value becomes JSON) per column but the primary key, once per model."""
    found = _LAYOUTS.get(model)
    if found is None:
        found = []
        for f in model._meta.concrete_fields:
            if f.primary_key:
                continue
            kind = _PREPARED
            if type(f) in _AS_IS_FIELDS and not (type(f) is models.JSONField and f.encoder is not None):
                kind = _AS_IS
            elif type(f) is models.DateTimeField:
                kind = _TIME
            found.append((f, str(f.column), kind))
        _LAYOUTS[model] = found
    return found


def _document(obj: Model, connection: Any, skip: str = "") -> tuple[str, str]:
    """(row, snapshot corrections) as JSON. The row is what `jsonb_populate_record` reads,
    {column: database value}, without the primary key (and the column `skip`), which the statement
    fills. A field takes `get_db_prep_save` unless its value is plainly its JSON (`_AS_IS_FIELDS`
    holding a scalar or JSON, an aware time). The row is also the audit snapshot (`audit.snapshot`:
    same keys, `_derivable`) but for those prepared fields, whose snapshot values the corrections hold
    (an encrypted PersonalField's mask). Errors: ValueError for a float that is not finite."""
    row: dict[str, Any] = {}
    corrections: dict[str, Any] = {}
    for f, column, kind in _layout(type(obj)):
        if column == skip:
            continue
        value = f.pre_save(obj, True)
        if kind == _AS_IS and (type(value) in _SCALARS or type(f) is models.JSONField):
            if type(value) is float and not math.isfinite(value):
                raise ValueError(f"{obj._meta.label}.{f.name}: {value} is not a finite number")
        elif kind == _TIME and (value is None or (type(value) is dt.datetime and value.tzinfo is not None)):
            value = value and value.isoformat()
        else:
            corrections[f.attname] = audit.snapshot_value(f, obj)
            value = _plain(f.get_db_prep_save(value, connection))
        row[column] = value
    return _dumps(row), _dumps(corrections)


def _derivable(model: type[Model]) -> bool:
    """Whether `_document`'s row serves as the model's audit snapshot: every column named as its
    attribute, none left out of snapshots (`audit.SKIP_FIELDS`)."""
    return all(f.column == f.attname and f.name not in audit.SKIP_FIELDS for f in model._meta.concrete_fields)


def _plain(value: Any) -> Any:
    """A prepared database value as JSON: psycopg's Jsonb wrapper unwrapped, the rest as audit
    snapshots write values (`audit.jsonable`: times in ISO 8601, decimals and UUIDs as text)."""
    obj = getattr(value, "obj", value)  # psycopg.types.json.Jsonb
    if isinstance(obj, (bytes, bytearray, memoryview)):
        raise TypeError("insert_with_child: binary columns are not supported")
    return audit.jsonable(obj)


def _dumps(value: Any) -> str:
    """JSON text (orjson: the event's row in 2 µs where json took 10); keys other than strings
    written as strings, as json would."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _family_sql(parent: type[Model], child: type[Model], link: str, ignore_conflicts: bool, using: str) -> str | None:
    """The statement for this pair (module docstring), or None when a table has a column its model
    lacks (`SELECT *` from the model's record would leave it NULL) or a model's row is not its
    snapshot (`_derivable`). Built once per process, with the id sequences named.

    Parameters, in order: the two rows, the two audit entries without their ids, the two snapshot
    corrections, the two `object_repr`s with the pending ids (`_repr_pending`)."""
    key = (parent._meta.label, child._meta.label, link, ignore_conflicts)
    if key in _FAMILY_SQL:
        return _FAMILY_SQL[key]
    from core.models import AuditLog

    connection = connections[using]
    models_ = (parent, child, AuditLog)
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute("SELECT attrelid::regclass::text, count(*) FROM pg_attribute WHERE attrelid = ANY(%s::regclass[]) "
                       "AND attnum > 0 AND NOT attisdropped GROUP BY attrelid", [tables])
        columns = dict(cursor.fetchall())
        cursor.execute("SELECT " + ", ".join(["pg_get_serial_sequence(%s, %s)"] * 3),
                       [x for m in models_ for x in (m._meta.db_table, _pk(m).column)])
        sequences = cursor.fetchone()
    if any(columns.get(m._meta.db_table) != len(m._meta.concrete_fields) for m in models_) or not (
            _derivable(parent) and _derivable(child)):
        _FAMILY_SQL[key] = None
        return None
    q = connection.ops.quote_name

    def lit(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    p, c, a = (q(t) for t in tables)
    p_seq, c_seq, a_seq = (f"nextval({lit(name)}::regclass)" for name in sequences)
    p_pk, c_pk = (str(_pk(m).column) for m in (parent, child))
    fk = str(getattr(child._meta.get_field(link), "column", ""))
    p_id, c_id = f"p.{q(p_pk)}", f"c.{q(c_pk)}"
    p_ids, c_ids = f"{lit(p_pk)}, {p_id}", f"{lit(c_pk)}, {c_id}, {lit(fk)}, {p_id}"
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    sql = (
        "WITH d AS (SELECT %s::jsonb AS p_row, %s::jsonb AS c_row, %s::jsonb AS p_entry, %s::jsonb AS c_entry, "
        "%s::jsonb AS p_fix, %s::jsonb AS c_fix, %s::text AS p_repr, %s::text AS c_repr), "
        f"p AS (INSERT INTO {p} SELECT r.* FROM d, jsonb_populate_record(NULL::{p}, "
        f"d.p_row || jsonb_build_object({lit(p_pk)}, {p_seq})) r{conflict} RETURNING {q(p_pk)}), "
        f"c AS (INSERT INTO {c} SELECT r.* FROM d, p, jsonb_populate_record(NULL::{c}, "
        f"d.c_row || jsonb_build_object({lit(c_pk)}, {c_seq}, {lit(fk)}, {p_id})) r RETURNING {q(c_pk)}), "
        f"a AS (INSERT INTO {a} SELECT r.* FROM d, p, c, LATERAL (VALUES "
        f"(d.p_entry || jsonb_build_object('id', {a_seq}, 'object_id', {p_id}::text, "
        f"'object_repr', replace(d.p_repr, '{_PARENT_ID}', {p_id}::text), "
        f"'after', d.p_row || d.p_fix || jsonb_build_object({p_ids}))), "
        f"(d.c_entry || jsonb_build_object('id', {a_seq}, 'object_id', {c_id}::text, "
        f"'object_repr', replace(replace(d.c_repr, '{_PARENT_ID}', {p_id}::text), '{_CHILD_ID}', {c_id}::text), "
        f"'after', d.c_row || d.c_fix || jsonb_build_object({c_ids})))"
        f") v(doc), jsonb_populate_record(NULL::{a}, v.doc) r) "
        f"SELECT {p_id}, {c_id} FROM p, c")
    _FAMILY_SQL[key] = sql
    return sql
