"""Issue 15 item 3: SQLite, the embedded default, is unaffected by the monthly partitions of
PostgreSQL — plain tables, and `manage_partitions` says so and changes nothing."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from core import partitions

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite side of the partitions")]


def test_sqlite_keeps_plain_tables_and_the_command_does_nothing() -> None:
    out = StringIO()
    call_command("manage_partitions", "--ahead", "2", stdout=out)
    assert "不分区" in out.getvalue()
    for table in ("core_auditlog", "events_step"):
        assert not partitions.is_partitioned(table)
        assert partitions.ensure(table).created == []
        assert table in connection.introspection.table_names()
    assert not [t for t in connection.introspection.table_names() if "_p20" in t or t.endswith("_default")]
