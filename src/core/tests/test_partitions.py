"""Issue 15 item 3: the audit log partitioned by month on PostgreSQL (core/partitions.py).

Rows land in their month's partition and out-of-range ones in DEFAULT; `manage_partitions` creates
the coming months idempotently; archiving refuses a month younger than the retention (never under
180 days) and, for an old month, leaves a chain that `verify_audit` still verifies — including a row
of the next month that was sealed inside the archived month's part of the chain. The archive file is
real: `pg_restore --list` reads it back. Skipped on SQLite, whose tables stay plain."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from core import auditchain, partitions
from core.errors import PlatformError
from core.models import AuditAnchor, AuditLog
from core.partitions import Month
from core.testing.world import build_world
from org.models import Unit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")]

TABLE = "core_auditlog"


def _where(row_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM core_auditlog WHERE id = %s", [row_id])
        return str(cursor.fetchone()[0])


def _insert_at(at: dt.datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_auditlog (at, actor_name, source, action, model, object_id, object_repr, "
                       "reason, division_code, seal_hash) VALUES (%s, 'test', 'test', 'create', 'test.Row', '1', '', "
                       "'', '', '') RETURNING id", [at])
        return int(cursor.fetchone()[0])


def _move(ids: list[int], at: dt.datetime) -> None:
    """Back-date rows (as a table owner would, guard trigger off), before they are sealed."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER core_auditlog_guard")
        cursor.execute("UPDATE core_auditlog SET at = %s WHERE id = ANY(%s)", [at, ids])
        cursor.execute("ALTER TABLE core_auditlog ENABLE TRIGGER core_auditlog_guard")


def _units(world: Any, n: int, prefix: str) -> list[int]:
    before = set(AuditLog.objects.values_list("id", flat=True))
    for i in range(n):
        Unit.objects.create(division=world.town_a, name=f"{prefix}{i}", kind="bureau")
    return sorted(set(AuditLog.objects.values_list("id", flat=True)) - before)


@pytest.fixture(autouse=True)
def _same_partitions_after() -> Any:
    """Months a test adds (old ones, to archive) are dropped again: the next test starts with the
    partitions the migration made."""
    before = {p.name for p in partitions.partitions(TABLE)}
    yield
    with connection.cursor() as cursor:
        for name in {p.name for p in partitions.partitions(TABLE)} - before | set(partitions.detached(TABLE)):
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


@pytest.fixture
def anchors(settings: Any, tmp_path: Path) -> Path:
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    return settings.AUDIT_ANCHOR_FILE


def test_rows_land_in_their_month_and_out_of_range_ones_in_the_default_partition() -> None:
    assert partitions.is_partitioned(TABLE)
    world = build_world()
    row = AuditLog.objects.filter(model="org.Unit").first() or AuditLog.objects.first()
    assert row is not None and world
    assert _where(row.pk) == partitions.partition_name(TABLE, Month.of(timezone.now()))
    far = _insert_at(dt.datetime(2099, 6, 1, tzinfo=dt.UTC))
    assert _where(far) == "core_auditlog_default"
    # month bounds are local (Asia/Shanghai): 2026-11-30 16:30 UTC is already December there
    assert Month.of(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)) == Month(2026, 12)


def test_the_command_creates_the_coming_months_once() -> None:
    current = Month.of(timezone.now())
    out = StringIO()
    call_command("manage_partitions", "--ahead", "6", stdout=out)
    names = {p.name for p in partitions.partitions(TABLE)}
    assert {partitions.partition_name(TABLE, current.next(n)) for n in range(7)} <= names
    assert partitions.partition_name(TABLE, current.next(6)) in out.getvalue()
    again = StringIO()
    call_command("manage_partitions", "--ahead", "6", stdout=again)
    assert "新建分区" not in again.getvalue()
    assert {p.name for p in partitions.partitions(TABLE)} == names


def test_a_month_with_rows_already_in_default_is_reported_not_created() -> None:
    month = Month.of(timezone.now()).next(9)
    _insert_at(month.start + dt.timedelta(days=2))
    result = partitions.ensure(TABLE, ahead=9)
    assert str(month) in result.blocked
    assert partitions.partition_name(TABLE, month) not in {p.name for p in partitions.partitions(TABLE)}


def test_archiving_a_month_younger_than_180_days_is_refused(anchors: Path, settings: Any) -> None:
    world = build_world()
    ids = _units(world, 2, "新")
    month = Month.of(timezone.now() - dt.timedelta(days=150))
    partitions.ensure(TABLE, ahead=0, now=month.start)
    _move(ids, month.start + dt.timedelta(days=1))
    with pytest.raises(PlatformError, match="保存未满 180 天"):
        partitions.archive(TABLE, month)
    with pytest.raises(CommandError, match="保存未满 180 天"):
        call_command("manage_partitions", "--archive-before", str(month.next()), "--table", TABLE,
                     stdout=StringIO(), stderr=StringIO())
    settings.AUDIT_RETENTION_DAYS = 365  # a longer configured period counts too
    old = Month.of(timezone.now() - dt.timedelta(days=250))
    partitions.ensure(TABLE, ahead=0, now=old.start)
    with pytest.raises(PlatformError, match="保存未满 365 天"):
        partitions.archive(TABLE, old)
    settings.AUDIT_RETENTION_DAYS = 90
    with pytest.raises(PlatformError, match="不得少于 180 天"):
        partitions.archive(TABLE, old)
    assert AuditLog.objects.filter(id__in=ids).count() == 2


def test_an_archived_old_month_leaves_a_chain_that_still_verifies(anchors: Path, tmp_path: Path,
                                                                   django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    month = Month.of(timezone.now() - dt.timedelta(days=260))
    partitions.ensure(TABLE, ahead=1, now=month.start)
    first = _units(world, 3, "旧")
    boundary = _units(world, 1, "界")  # written before the month's last row, dated in the next month
    last = _units(world, 2, "末")
    _move(list(AuditLog.objects.exclude(id__in=first + boundary + last).values_list("id", flat=True))
          + first + last, month.start + dt.timedelta(days=3))
    _move(boundary, month.next().start + dt.timedelta(minutes=1))
    archived_ids = set(AuditLog.objects.filter(at__lt=month.end).values_list("id", flat=True)) | set(boundary)
    with django_capture_on_commit_callbacks(execute=True):
        auditchain.seal()  # id order: the boundary row is sealed between rows of the month
    newer = _units(world, 2, "新")
    with django_capture_on_commit_callbacks(execute=True):
        auditchain.seal()
    assert _where(boundary[0]) == partitions.partition_name(TABLE, month.next())

    out, err = StringIO(), StringIO()
    call_command("manage_partitions", "--archive-before", str(month.next()), "--table", TABLE,
                 "--dir", str(tmp_path / "archive"), stdout=out, stderr=err)
    name = partitions.partition_name(TABLE, month)
    assert f"已归档 {name}" in out.getvalue() and "1 条为跨月边界记录" in out.getvalue(), (out.getvalue(), err.getvalue())
    assert not AuditLog.objects.filter(id__in=archived_ids).exists()
    assert AuditLog.objects.filter(id__in=newer).count() == 2
    assert name not in {p.name for p in partitions.partitions(TABLE)} and not partitions.detached(TABLE)

    dump = tmp_path / "archive" / f"{name}.dump"
    listed = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True)
    assert f"TABLE DATA public {name} " in listed.stdout
    purge = AuditAnchor.objects.get(kind="purge")
    assert purge.rows == len(archived_ids)
    assert json.loads(anchors.read_text().splitlines()[-1])["kind"] == "purge"

    with django_capture_on_commit_callbacks(execute=True):
        auditchain.seal()  # the archive's own audit row joins the chain
    report = auditchain.verify()
    assert report.ok and "清理锚点" in report.start, report.broken
    call_command("verify_audit", stdout=StringIO())  # exits 0


def test_archiving_out_of_order_or_a_broken_chain_is_refused(anchors: Path, tmp_path: Path,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    older, month = Month.of(timezone.now() - dt.timedelta(days=330)), Month.of(timezone.now() - dt.timedelta(days=260))
    partitions.ensure(TABLE, ahead=0, now=older.start)
    partitions.ensure(TABLE, ahead=0, now=month.start)
    ids = _units(world, 2, "旧")
    _move(ids, month.start + dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        auditchain.seal()
    with pytest.raises(PlatformError, match="请先归档更早的月份"):
        partitions.archive(TABLE, month, directory=tmp_path)
    _move([ids[0]], month.start + dt.timedelta(days=4))  # content changed after sealing
    with pytest.raises(PlatformError, match="核验未通过"):
        partitions.archive(TABLE, older, directory=tmp_path)
    assert AuditLog.objects.filter(id__in=ids).count() == 2
    assert partitions.partition_name(TABLE, older) in {p.name for p in partitions.partitions(TABLE)}
