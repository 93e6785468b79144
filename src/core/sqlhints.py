"""Query hints for SQLite without statistics (the embedded default: nothing runs ANALYZE), written so
PostgreSQL gets the same SQL as without them."""
from __future__ import annotations

from typing import Any

from django.db.models import Func


class OffIndex(Func):
    """A column as a value no index answers, on SQLite only: `+column` (SQLite's unary plus, a
    no-op on any value, is its documented way to keep a term away from the indexes); the bare
    column elsewhere. Results never change: the condition or grouping is the same; only which
    index answers it.

    Two faults of the same kind, both from SQLite rating every index alike without statistics:
    - a correlated subquery over the steps of one event (`event_id = outer AND seq > outer`) that
      also filters on `action` may take the `(action, at)` index, and every outer row then reads
      every step of that action ever recorded (a month of a 135k-event dataset ran for more than
      23 minutes, issue 14; `assess.facts`);
    - a count grouped by an indexed low-cardinality column (`channel`, `level`) under a selective
      range (today's reports) is answered by scanning that column's index to skip the sort: every
      event ever reported is read (1.1 s on a million events for the command screen's today counts,
      0.0 s with the column off the index; `command.selectors.today_figures`)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)
