"""Insert-or-return: the one way a retried client write finds its first row (DESIGN.md §6: a retried
submission never creates a duplicate), on SQLite and PostgreSQL alike.

`INSERT … ON CONFLICT DO NOTHING RETURNING …` (SQLite ≥ 3.35: `INSERT OR IGNORE … RETURNING`) is
one statement: of twenty concurrent retries of the same client id exactly one inserts; on
PostgreSQL the others wait on the unique index for the first transaction, then insert nothing, and
their next statement (READ COMMITTED) reads the committed row. A check-then-insert instead lets two
retries both see "no row" and the second fail with an IntegrityError.

Rows written here bypass `save()` (no signals): callers audit them themselves (`core.audit`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery


def insert_ignoring_conflicts(model: type[Model], objs: Sequence[Model],
                              returning: Sequence[str] = ("id",)) -> list[tuple[Any, ...]]:
    """Insert `objs` in one statement, skipping every row that would break a unique constraint.

    Returns one tuple of the `returning` columns per row actually inserted (the skipped rows
    return nothing), in no guaranteed order. The objects' primary keys are not set.

    Caution (SQLite): `INSERT OR IGNORE` also skips rows that break NOT NULL or CHECK
    constraints, so callers validate values first and treat "nothing inserted and nothing found"
    as a bug.
    """
    if not objs:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    opts = model._meta
    fields = [f for f in opts.local_concrete_fields if not f.primary_key]
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, list(objs))
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [opts.get_field(name) for name in returning]
    (sql, params), = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]
