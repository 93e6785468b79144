"""The audit log is sealed into an HMAC-SM3 chain in the background; verify_audit names the first broken row."""
from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from core import auditchain, crypto
from core.models import AuditAnchor, AuditLog
from core.tasks import seal_audit_chain
from core.testing.world import build_world
from org.models import Unit

pytestmark = pytest.mark.django_db


def _units(world: Any, n: int, prefix: str = "局") -> list[Unit]:
    return [Unit.objects.create(division=world.town_a, name=f"{prefix}{i}", kind="bureau") for i in range(n)]


def _sql(sql: str, params: list[Any]) -> None:
    """Raw SQL as someone who owns the tables: on PostgreSQL they first disable the guard triggers
    (migration 0005), which the chain must then catch on its own."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER core_auditlog_guard")
            cursor.execute("ALTER TABLE core_auditanchor DISABLE TRIGGER core_auditanchor_guard")
        cursor.execute(sql, params)


def _guards_on() -> None:
    """Re-enable the PostgreSQL guard triggers `_sql` disabled (the platform's normal state)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditlog ENABLE TRIGGER core_auditlog_guard")
            cursor.execute("ALTER TABLE core_auditanchor ENABLE TRIGGER core_auditanchor_guard")


def _sealed(django_capture_on_commit_callbacks: Any, batch: int | None = None) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return auditchain.seal(batch=batch)


def test_rows_are_sealed_in_id_order_with_an_anchor_in_the_table_and_the_file(
        django_capture_on_commit_callbacks: Any, settings: Any) -> None:
    world = build_world()
    _units(world, 5)
    total = AuditLog.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert seal_audit_chain.call_local() == total  # the Huey periodic task
    rows = list(AuditLog.objects.order_by("id"))
    assert [r.seal_seq for r in rows] == list(range(1, total + 1))
    anchor = AuditAnchor.objects.get()
    assert (anchor.seq_from, anchor.seq_to, anchor.chain_hash) == (1, total, rows[-1].seal_hash)
    lines = [json.loads(x) for x in settings.AUDIT_ANCHOR_FILE.read_text().splitlines()]
    assert [(x["seq_to"], x["chain_hash"]) for x in lines] == [(total, anchor.chain_hash)]
    assert auditchain.seal() == 0  # nothing new, no empty anchor
    report = auditchain.verify()
    assert report.ok and report.sealed == total and report.unsealed == 0


def test_small_batches_chain_on_from_the_previous_anchor(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 7)
    total = AuditLog.objects.count()
    assert _sealed(django_capture_on_commit_callbacks, batch=3) == total
    assert AuditAnchor.objects.count() == -(-total // 3)
    _units(world, 2, prefix="新")
    assert _sealed(django_capture_on_commit_callbacks, batch=3) == 2
    assert auditchain.verify().ok


def test_a_row_edited_in_the_database_is_named(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 6)
    _sealed(django_capture_on_commit_callbacks)
    victim = AuditLog.objects.order_by("id")[3]
    _sql("UPDATE core_auditlog SET actor_name = %s WHERE id = %s", ["someone-else", victim.pk])
    report = auditchain.verify()
    assert not report.ok and report.broken.row_id == victim.pk and report.broken.seq == victim.seal_seq
    with pytest.raises(CommandError, match=f"#{victim.pk}"):
        call_command("verify_audit", stdout=StringIO())


def test_a_json_column_edited_in_the_database_is_named(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 3)
    _sealed(django_capture_on_commit_callbacks)
    victim = AuditLog.objects.filter(model="org.Unit").order_by("id")[1]
    after = dict(victim.after, name="改过的名字")
    _sql("UPDATE core_auditlog SET after = %s WHERE id = %s", [json.dumps(after, ensure_ascii=False), victim.pk])
    assert auditchain.verify().broken.row_id == victim.pk


def test_an_edit_whose_hash_is_recomputed_without_the_key_is_named(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 6)
    _sealed(django_capture_on_commit_callbacks)
    rows = list(AuditLog.objects.order_by("seal_seq").values_list(*auditchain.ROW_FIELDS, "seal_seq", "seal_hash"))
    victim = rows[2]
    forged = list(victim[:-2])
    forged[3] = "someone-else"
    # The forger knows the algorithm but not AUDIT_CHAIN_KEY: plain SM3 over the same input.
    fake = crypto.sm3(rows[1][-1] + "\n" + auditchain._canonical(victim[-2], forged))
    _sql("UPDATE core_auditlog SET actor_name = %s, seal_hash = %s WHERE id = %s", ["someone-else", fake, victim[0]])
    assert auditchain.verify().broken.row_id == victim[0]


def test_a_chain_rewritten_with_the_key_is_caught_by_the_anchors(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 4)
    _sealed(django_capture_on_commit_callbacks)
    first_batch_end = AuditLog.objects.count()
    _units(world, 4, prefix="二")
    _sealed(django_capture_on_commit_callbacks)
    rows = list(AuditLog.objects.order_by("seal_seq").values_list(*auditchain.ROW_FIELDS, "seal_seq", "seal_hash"))
    start = first_batch_end + 2  # edit a row of the second batch, then rewrite every later hash with the key
    prev = rows[start - 2][-1]
    for index, row in enumerate(rows[start - 1:]):
        values = list(row[:-2])
        if index == 0:
            values[3] = "someone-else"
        prev = auditchain.chain_hash(prev, row[-2], values)
        _sql("UPDATE core_auditlog SET actor_name = %s, seal_hash = %s WHERE id = %s", [values[3], prev, row[0]])
    report = auditchain.verify()
    second_batch_first_id = rows[first_batch_end][0]
    assert not report.ok and report.broken.row_id == second_batch_first_id
    assert "锚点" in report.broken.message
    # The anchor table rewritten too: the file still disagrees.
    _sql("UPDATE core_auditanchor SET chain_hash = %s WHERE seq_to = %s", [prev, rows[-1][-2]])
    report = auditchain.verify()
    assert not report.ok and "锚点" in report.broken.message


def test_deleted_rows_are_reported(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 5)
    _sealed(django_capture_on_commit_callbacks)
    rows = list(AuditLog.objects.order_by("seal_seq"))
    _sql("DELETE FROM core_auditlog WHERE id = %s", [rows[2].pk])
    report = auditchain.verify()
    assert report.broken.row_id == rows[3].pk and "缺失" in report.broken.message
    _sql("DELETE FROM core_auditlog WHERE seal_seq >= %s", [rows[2].seal_seq])  # now only the tail is gone
    report = auditchain.verify()
    assert not report.ok and "链尾" in report.broken.message


def test_a_row_committed_after_a_later_id_was_sealed_is_sealed_next(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 3)
    late = AuditLog.objects.order_by("id").first()
    # The lowest id belongs to a transaction that had not committed when the sealer ran: hide it.
    _sql("UPDATE core_auditlog SET seal_seq = -1 WHERE id = %s", [late.pk])
    _sealed(django_capture_on_commit_callbacks)
    _sql("UPDATE core_auditlog SET seal_seq = NULL WHERE id = %s", [late.pk])  # it commits now
    assert _sealed(django_capture_on_commit_callbacks) == 1
    late.refresh_from_db()
    assert late.seal_seq == AuditLog.objects.count()  # last in the chain, though first by id
    assert auditchain.verify().ok


def test_an_anchor_file_line_that_is_not_in_the_table_is_reported(django_capture_on_commit_callbacks: Any,
                                                                    settings: Any) -> None:
    world = build_world()
    _units(world, 2)
    _sealed(django_capture_on_commit_callbacks)
    _sql("DELETE FROM core_auditanchor", [])
    report = auditchain.verify()
    assert not report.ok and "锚点表被改动" in report.broken.message


def test_verify_audit_command_passes_and_can_seal_first() -> None:
    world = build_world()
    _units(world, 2)
    _age(1, list(AuditLog.objects.values_list("id", flat=True)[:1]))
    assert any("可能没有运行" in note for note in auditchain.verify().notes)  # the sealer is late
    out = StringIO()
    call_command("verify_audit", "--seal", stdout=out)
    assert "审计链完整" in out.getvalue() and "尚未封存 0 条" in out.getvalue()


def _age(days: int, ids: list[int]) -> None:
    at = timezone.now() - dt.timedelta(days=days)
    for row_id in ids:
        _sql("UPDATE core_auditlog SET at = %s WHERE id = %s", [at, row_id])


def test_purge_removes_only_old_sealed_rows_and_the_rest_still_verifies(
        django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 3)
    old_ids = list(AuditLog.objects.values_list("id", flat=True))
    _age(200, old_ids)  # aged before sealing: the seal covers the rows as they are
    _sealed(django_capture_on_commit_callbacks)
    _units(world, 2, prefix="新")
    _sealed(django_capture_on_commit_callbacks)
    young = AuditLog.objects.exclude(id__in=old_ids).count()
    _guards_on()  # the purge runs as the platform does, under the database's own guard
    with django_capture_on_commit_callbacks(execute=True):
        result = auditchain.purge()
    assert result.rows == len(old_ids)
    assert not AuditLog.objects.filter(id__in=old_ids).exists()
    assert AuditLog.objects.filter(action="purge").count() == 1
    assert AuditLog.objects.count() == young + 1
    _sealed(django_capture_on_commit_callbacks)  # the purge row itself joins the chain
    report = auditchain.verify()
    assert report.ok and "清理锚点" in report.start, report.broken
    assert auditchain.purge().rows == 0  # nothing more is old enough


def test_rows_younger_than_the_retention_period_are_never_purged(django_capture_on_commit_callbacks: Any,
                                                                 settings: Any) -> None:
    world = build_world()
    _units(world, 3)
    ids = list(AuditLog.objects.values_list("id", flat=True))
    _age(100, ids)
    _sealed(django_capture_on_commit_callbacks)
    assert auditchain.purge().rows == 0
    with pytest.raises(auditchain.PlatformError, match="保存期未满"):
        auditchain.purge(before=timezone.now() - dt.timedelta(days=30))
    with pytest.raises(CommandError, match="保存期未满"):
        call_command("purge_audit", "--before", (timezone.localdate() - dt.timedelta(days=30)).isoformat())
    settings.AUDIT_RETENTION_DAYS = 90
    with pytest.raises(auditchain.PlatformError, match="不得少于 180 天"):
        auditchain.purge()
    from core.checks import audit_retention
    assert [e.id for e in audit_retention()] == ["core.E101"]
    assert AuditLog.objects.filter(id__in=ids).count() == len(ids)


def test_a_broken_chain_is_not_purged(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world()
    _units(world, 3)
    ids = list(AuditLog.objects.values_list("id", flat=True))
    _age(200, ids)
    _sealed(django_capture_on_commit_callbacks)
    _sql("UPDATE core_auditlog SET actor_name = 'x' WHERE id = %s", [ids[1]])
    with pytest.raises(auditchain.PlatformError, match="核验未通过"):
        auditchain.purge()
    assert AuditLog.objects.filter(id__in=ids).count() == len(ids)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the guard triggers are PostgreSQL's (migration 0005)")
def test_postgresql_itself_refuses_edits_and_young_deletes(django_capture_on_commit_callbacks: Any) -> None:
    from django.db import IntegrityError, transaction

    world = build_world()
    _units(world, 3)
    rows = list(AuditLog.objects.order_by("id"))
    old_row = rows[0]
    _sql("UPDATE core_auditlog SET at = %s WHERE id = %s", [timezone.now() - dt.timedelta(days=200), old_row.pk])
    _guards_on()
    _sealed(django_capture_on_commit_callbacks)  # the sealer's own write passes
    for sql, params in (("UPDATE core_auditlog SET actor_name = 'x' WHERE id = %s", [rows[1].pk]),
                        ("UPDATE core_auditlog SET seal_hash = 'x' WHERE id = %s", [rows[1].pk]),
                        ("DELETE FROM core_auditlog WHERE id = %s", [rows[1].pk]),
                        ("DELETE FROM core_auditanchor", []),
                        ("UPDATE core_auditanchor SET chain_hash = 'x'", [])):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [old_row.pk])  # past 180 days: allowed
    assert AuditLog.objects.count() == len(rows) - 1
