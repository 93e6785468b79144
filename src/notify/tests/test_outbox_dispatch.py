"""outbox.dispatch: claims, delivers with the key, retries with backoff, records attempts and
errors, gives up after the limit, and never lets two owners both complete a row."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from core.models import AuditLog
from core.testing.world import build_world
from notify import outbox
from notify.choices import OutboxStatus
from notify.models import Contact, OutboxMessage
from notify.tests.handlers import RecordingHandler

pytestmark = pytest.mark.django_db
HANDLERS = {
    "test.record": "notify.tests.handlers.RecordingHandler",
    "test.fail": "notify.tests.handlers.FailingHandler",
    "test.write": "notify.tests.handlers.WritingHandler",
}


def _enqueue(kind: str, key: str, payload: dict | None = None) -> OutboxMessage:
    with transaction.atomic():
        return outbox.enqueue(kind, payload or {}, key=key)


@override_settings(OUTBOX_HANDLERS=HANDLERS)
def test_handler_gets_the_key_and_the_row_is_marked_delivered() -> None:
    RecordingHandler.calls.clear()
    row = _enqueue("test.record", "evt:1:overdue", {"event": 1})
    result = outbox.dispatch()
    assert result.delivered == [row.pk] and result.claimed == 1
    assert RecordingHandler.calls == [("evt:1:overdue", {"event": 1})]
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED and row.attempts == 1 and row.delivered_at is not None
    assert row.claimed_by == result.worker and row.claimed_until is None
    assert outbox.dispatch().claimed == 0, "a delivered row is never handed out again"
    assert AuditLog.objects.filter(model="notify.OutboxMessage", object_id=str(row.pk),
                                   after__status="delivered").count() == 1


@override_settings(OUTBOX_HANDLERS=HANDLERS, OUTBOX_BACKOFF_SECONDS=30, OUTBOX_MAX_ATTEMPTS=3)
def test_failure_is_recorded_and_retried_with_doubling_backoff_then_dead() -> None:
    world = build_world()
    row = _enqueue("test.fail", "fail:1", {"user": world.insider.pk})
    now = timezone.now()
    waits = []
    for attempt in (1, 2):
        result = outbox.dispatch(now=now)
        assert result.failed == [row.pk]
        row.refresh_from_db()
        assert row.attempts == attempt and row.status == OutboxStatus.PENDING
        assert "gateway down for fail:1" in row.last_error and "RuntimeError" in row.last_error
        waits.append((row.available_at - timezone.now()).total_seconds())
        assert outbox.dispatch(now=now).claimed == 0, "not before the backoff has passed"
        now = row.available_at + dt.timedelta(seconds=1)
    assert 28 < waits[0] <= 30 and 58 < waits[1] <= 60
    assert not Contact.objects.exists(), "the failed attempts' writes were rolled back"
    assert outbox.dispatch(now=now).dead == [row.pk]
    row.refresh_from_db()
    assert row.status == OutboxStatus.DEAD and row.attempts == 3
    assert outbox.dispatch(now=now + dt.timedelta(days=1)).claimed == 0
    assert AuditLog.objects.filter(model="notify.OutboxMessage", after__status="dead").count() == 1


def test_backoff_is_capped() -> None:
    assert outbox.backoff(1) == dt.timedelta(seconds=30)
    assert outbox.backoff(3) == dt.timedelta(seconds=120)
    assert outbox.backoff(20) == dt.timedelta(hours=1)


def test_unknown_kind_fails_with_a_clear_error_and_is_retried() -> None:
    row = _enqueue("nobody.handles", "x:1")
    assert outbox.dispatch().failed == [row.pk]
    row.refresh_from_db()
    assert "no outbox handler registered for kind 'nobody.handles'" in row.last_error
    assert row.status == OutboxStatus.PENDING and row.available_at > timezone.now()


@override_settings(OUTBOX_HANDLERS=HANDLERS, OUTBOX_LEASE_SECONDS=60)
def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out() -> None:
    row = _enqueue("test.record", "lease:1")
    now = timezone.now()
    assert [r.pk for r in outbox.claim(worker="dead-worker", limit=10, now=now)] == [row.pk]
    assert outbox.claim(worker="other", limit=10, now=now + dt.timedelta(seconds=59)) == []
    retaken = outbox.claim(worker="other", limit=10, now=now + dt.timedelta(seconds=61))
    assert [r.pk for r in retaken] == [row.pk]
    assert retaken[0].attempts == 2, "the dead worker's claim counts as an attempt"


@override_settings(OUTBOX_HANDLERS=HANDLERS, OUTBOX_LEASE_SECONDS=60)
def test_an_owner_that_lost_its_lease_cannot_complete_and_its_writes_roll_back() -> None:
    world = build_world()
    row = _enqueue("test.write", "slow:1", {"user": world.insider.pk})
    now = timezone.now()
    [slow] = outbox.claim(worker="slow", limit=10, now=now)
    [fast] = outbox.claim(worker="fast", limit=10, now=now + dt.timedelta(seconds=61))
    # the slow owner finishes its work after the lease passed to "fast": its completion is refused
    assert outbox.deliver(slow, worker="slow") == "lost"
    assert not Contact.objects.exists()
    assert outbox.deliver(fast, worker="fast") == "delivered"
    assert list(Contact.objects.values_list("address", flat=True)) == ["slow:1"], "written once, by the owner"
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED and row.claimed_by == "fast"


@override_settings(OUTBOX_HANDLERS=HANDLERS)
def test_dispatch_all_drains_in_batches_oldest_first() -> None:
    RecordingHandler.calls.clear()
    base = timezone.now() - dt.timedelta(minutes=5)
    with transaction.atomic():
        for n in range(7):
            outbox.enqueue("test.record", {"n": n}, key=f"b:{n}", available_at=base + dt.timedelta(seconds=n))
    result = outbox.dispatch_all(batch=3)
    assert result.claimed == 7 and len(result.delivered) == 7
    assert [k for k, _ in RecordingHandler.calls] == [f"b:{n}" for n in range(7)]


@override_settings(OUTBOX_HANDLERS=HANDLERS)
def test_a_row_available_later_waits() -> None:
    with transaction.atomic():
        row = outbox.enqueue("test.record", {}, key="later", available_at=timezone.now() + dt.timedelta(hours=1))
    assert outbox.dispatch().claimed == 0
    assert outbox.dispatch(now=timezone.now() + dt.timedelta(hours=2)).delivered == [row.pk]


def test_registry_is_lazy_and_settings_override_registrations() -> None:
    outbox.register("test.lazy", "notify.tests.no_such_module.Handler")  # not imported yet: no error
    assert "test.lazy" in outbox.registered_kinds() and "notify.send" in outbox.registered_kinds()
    with pytest.raises(ImportError):
        outbox.handler_for("test.lazy")
    with override_settings(OUTBOX_HANDLERS={"test.lazy": "notify.tests.handlers.RecordingHandler"}):
        assert isinstance(outbox.handler_for("test.lazy"), RecordingHandler)
    with pytest.raises(outbox.UnknownKind):
        outbox.handler_for("never.registered")


@override_settings(OUTBOX_HANDLERS={"test.maybe": "notify.tests.handlers.MaybeHandler"})
def test_one_bad_row_in_a_batch_fails_alone_and_the_others_are_delivered_once() -> None:
    world = build_world()
    users = [world.insider, world.outsider, world.users["county-user"]]
    with transaction.atomic():
        good = [outbox.enqueue("test.maybe", {"user": u.pk}, key=f"good:{n}") for n, u in enumerate(users)]
        bad = outbox.enqueue("test.maybe", {"user": world.insider.pk, "fail": True}, key="bad")
    result = outbox.dispatch()
    assert sorted(result.delivered) == sorted(r.pk for r in good) and result.failed == [bad.pk]
    assert sorted(Contact.objects.values_list("address", flat=True)) == ["good:0", "good:1", "good:2"]
    bad.refresh_from_db()
    assert "bad row bad" in bad.last_error and bad.status == OutboxStatus.PENDING
