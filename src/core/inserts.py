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

Rows written here bypass `save()` (no signals): callers audit them themselves (`core.audit`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

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
