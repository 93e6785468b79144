"""outbox.enqueue: the row commits with the change that causes it, or not at all; one per key."""
from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from core.testing.world import build_world
from notify import outbox
from notify.choices import OutboxStatus
from notify.models import Contact, OutboxMessage
from notify.tests.handlers import RecordingHandler

pytestmark = pytest.mark.django_db
HANDLERS = {"test.record": "notify.tests.handlers.RecordingHandler"}


class Boom(Exception):
    pass


def test_rolled_back_cause_leaves_no_outbox_row() -> None:
    world = build_world()
    with pytest.raises(Boom), transaction.atomic():
        Contact.objects.create(user=world.insider, channel="sms", address="13800000001")
        outbox.enqueue("test.record", {"n": 1}, key="cause:1")
        raise Boom
    assert not Contact.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_committed_cause_commits_its_row_pending() -> None:
    world = build_world()
    with transaction.atomic():
        Contact.objects.create(user=world.insider, channel="sms", address="13800000001")
        row = outbox.enqueue("test.record", {"n": 1}, key="cause:1", division_id=world.town_b.code)
    stored = OutboxMessage.objects.get(pk=row.pk)
    assert (stored.kind, stored.payload, stored.status, stored.attempts) == ("test.record", {"n": 1}, "pending", 0)
    assert stored.division_id == "321002106000"
    assert Contact.objects.count() == 1


def test_same_key_twice_keeps_the_first_row_and_the_transaction_usable() -> None:
    build_world()
    with transaction.atomic():
        first = outbox.enqueue("test.record", {"n": 1}, key="same")
        second = outbox.enqueue("test.record", {"n": 2}, key="same")
        # on PostgreSQL a failed INSERT would have aborted the transaction; this query proves it did not
        assert OutboxMessage.objects.count() == 1
    assert first.pk == second.pk
    assert OutboxMessage.objects.get().payload == {"n": 1}


def test_bad_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        outbox.enqueue("test.record", {}, key="")
    with pytest.raises(ValueError):
        outbox.enqueue("test.record", {}, key="x" * 201)


@override_settings(OUTBOX_HANDLERS=HANDLERS)
def test_commit_requests_one_dispatch_through_django_tasks(django_capture_on_commit_callbacks: Any) -> None:
    """After commit one django.tasks task runs (Huey immediate mode in tests) and delivers."""
    RecordingHandler.calls.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(3):
            outbox.enqueue("test.record", {"n": n}, key=f"kick:{n}")
    assert len(callbacks) == 1, "one dispatch request per transaction, not per row"
    assert sorted(k for k, _ in RecordingHandler.calls) == ["kick:0", "kick:1", "kick:2"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}


@override_settings(OUTBOX_HANDLERS=HANDLERS, OUTBOX_KICK=False)
def test_without_kick_the_rows_wait_for_the_periodic_dispatcher(django_capture_on_commit_callbacks: Any) -> None:
    from notify.tasks import dispatch_outbox

    RecordingHandler.calls.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox.enqueue("test.record", {"n": 1}, key="wait:1")
    assert callbacks == [] and RecordingHandler.calls == []
    assert dispatch_outbox.call_local() == 1
    assert [k for k, _ in RecordingHandler.calls] == ["wait:1"]
