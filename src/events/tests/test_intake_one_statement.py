"""The report's writes (`core.inserts.insert_with_child`): the event, its first step and both audit
entries — one statement on PostgreSQL without a transaction of its own, separate inserts in a
transaction elsewhere — leave exactly the rows the ORM and `core.audit` would have left."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import audit, inserts
from core.models import AuditLog
from events import lifecycle
from events.choices import Channel
from events.models import Event, Step
from events.services import event_report
from events.tests import factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ew() -> factory.EventWorld:
    return factory.build()


def _report(ew: factory.EventWorld, client_id: str, **extra: Any) -> tuple[Any, list[str]]:
    lat, lng = factory.point_in(ew.grid_a)
    with CaptureQueriesContext(connection) as queries:
        result = event_report(user=ew.users["worker"], channel=Channel.GRID, category="06010", lat=lat, lng=lng,
                              description="路边堆放生活垃圾", client_id=client_id, **extra)
    return result, [q["sql"] for q in queries.captured_queries]


def _entries(obj: Any) -> list[AuditLog]:
    return list(AuditLog.objects.filter(model=obj._meta.label, object_id=str(obj.pk)))


def test_the_rows_and_entries_are_what_the_orm_and_audit_would_write(ew: factory.EventWorld) -> None:
    result, queries = _report(ew, "one-statement-1", reporter_phone="13812345678")
    event, step = result.event, result.steps[0]
    writes = [q for q in queries if not q.lstrip().upper().startswith("SELECT")]
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("WITH d AS (SELECT"), writes
    else:
        assert [q.split()[0] for q in writes if q.split()[0] in ("INSERT", "UPDATE", "DELETE")] == ["INSERT"] * 3

    stored = Event.objects.get(pk=event.pk)
    for f in Event._meta.concrete_fields:
        assert f.value_from_object(stored) == f.value_from_object(event), f.name
    assert str(stored.reporter_phone) == "138****5678"
    with connection.cursor() as cursor:  # the column holds the ciphertext, never the number
        cursor.execute("SELECT reporter_phone FROM events_event WHERE id = %s", [event.pk])
        assert "12345678" not in cursor.fetchone()[0]
    stored_step = Step.objects.get(pk=step.pk)
    assert stored_step.event_id == event.pk and stored_step.seq == 1
    assert stored_step.action == lifecycle.Action.REPORT and stored_step.data == step.data

    for obj, row in ((stored, event), (stored_step, step)):
        entry, = _entries(obj)
        assert (entry.action, entry.model, entry.object_id) == ("create", obj._meta.label, str(obj.pk))
        assert entry.object_repr == str(obj) and entry.before is None
        assert entry.after == audit.snapshot(row), obj._meta.label  # what audit.record_many writes
        assert entry.division_code == audit.division_code_of(obj) == event.division_id
        assert (entry.actor_id, entry.actor_name) == (ew.users["worker"].pk, ew.users["worker"].get_username())
        assert abs(entry.at - timezone.now()) < dt.timedelta(minutes=1)
    assert _entries(stored)[0].after["reporter_phone"] == "138****5678"  # snapshots hold the mask only


def test_a_repeated_client_id_writes_no_step_and_no_entry(ew: factory.EventWorld) -> None:
    first, _ = _report(ew, "one-statement-2")
    counts = (Event.objects.count(), Step.objects.count(), AuditLog.objects.count())
    again, _ = _report(ew, "one-statement-2")
    assert not again.created and again.event.pk == first.event.pk
    assert (Event.objects.count(), Step.objects.count(), AuditLog.objects.count()) == counts


def test_a_failing_statement_leaves_nothing(ew: factory.EventWorld) -> None:
    """A value the database refuses (a step without its new state: NOT NULL) fails the whole
    write: no event, no step, no entry left behind."""
    event = factory.report(ew, client_id="one-statement-3")
    counts = (Event.objects.count(), Step.objects.count(), AuditLog.objects.count())
    twin = Event.objects.get(pk=event.pk)
    twin.pk, twin.client_id, twin.code = None, "one-statement-4", None
    twin._state.adding = True
    bad = Step(event=twin, seq=1, action=lifecycle.Action.REPORT, at=timezone.now(),
               to_state=None, level=twin.level)  # type: ignore[misc]  # the refused value itself
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017, PT011 - the database's own error
        inserts.insert_with_child(twin, bad, link="event")
    assert (Event.objects.count(), Step.objects.count(), AuditLog.objects.count()) == counts


def test_a_naive_time_is_stored_as_the_orm_stores_it(ew: factory.EventWorld) -> None:
    """`_document` converts what is not plainly JSON the way the ORM does (a naive time is taken
    in the current time zone, Asia/Shanghai, with Django's warning)."""
    event = factory.report(ew, client_id="one-statement-5")
    twin = Event.objects.get(pk=event.pk)
    twin.pk, twin.client_id, twin.code = None, "one-statement-6", None
    twin._state.adding = True
    twin.accepted_at = dt.datetime(2026, 3, 1, 9, 30)  # noqa: DTZ001 - the naive case itself
    step = Step(event=twin, seq=1, action=lifecycle.Action.REPORT, at=timezone.now(), to_state="reported",
                level=twin.level)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        assert inserts.insert_with_child(twin, step, link="event")
    stored = Event.objects.get(pk=twin.pk)
    assert stored.accepted_at == timezone.make_aware(dt.datetime(2026, 3, 1, 9, 30))  # noqa: DTZ001
    assert stored.candidates == twin.candidates and stored.routing == twin.routing


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's")
def test_a_table_with_a_column_its_model_lacks_takes_the_separate_inserts(ew: factory.EventWorld) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE events_event ADD COLUMN extra_note text DEFAULT 'kept'")
    saved = dict(inserts._FAMILY_SQL)
    inserts._FAMILY_SQL.clear()
    try:
        result, queries = _report(ew, "one-statement-7")
        assert not any(q.startswith("WITH d AS") for q in queries)
        assert len([q for q in queries if q.startswith("INSERT")]) == 3
        with connection.cursor() as cursor:
            cursor.execute("SELECT extra_note FROM events_event WHERE id = %s", [result.event.pk])
            assert cursor.fetchone()[0] == "kept"
    finally:
        inserts._FAMILY_SQL.clear()
        inserts._FAMILY_SQL.update(saved)
