"""Two dispatchers at once on PostgreSQL (threads, each with its own connection): every row is
claimed by exactly one (FOR UPDATE SKIP LOCKED + compare-and-set), delivered once. On SQLite the
same property is shown with two processes (test_outbox_crash.py)."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings

from core.testing.world import build_world
from notify import outbox
from notify.models import Notification, OutboxMessage
from notify.services import notify

pytestmark = pytest.mark.django_db(transaction=True)


@override_settings(OUTBOX_KICK=False)
def test_two_concurrent_dispatchers_deliver_each_row_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads would share SQLite's in-memory test database; see test_outbox_crash.py")
    world = build_world()
    with transaction.atomic():
        for n in range(300):
            notify([world.insider], "overdue", f"事件 {n} 已超期", key=f"event:{n}:overdue")
    results: list[outbox.DispatchResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            results.append(outbox.dispatch_all(batch=25))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    delivered = [pk for r in results for pk in r.delivered]
    assert len(delivered) == len(set(delivered)) == 300
    assert all(r.claimed > 0 for r in results), "both dispatchers took part"
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("delivered", 1)}
    assert Notification.objects.count() == 300
