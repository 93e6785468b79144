"""A retried case start with the same `Idempotency-Key` answers 200 with the first case, not a second
201 (issue 11 item 11) — also when twenty retries arrive at once on PostgreSQL (`./test --postgres -k
idempotency`). The row is written by insert-or-return (`core.inserts`), so no retry can see "no case
yet" and then fail on the key's unique index."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.models import AuditLog
from flows.models import Case
from flows.tests.helpers import TOWN_A, make_item, publish, setup, template

THREADS = 20


def _start(user: Any, item: Any, key: str) -> tuple[int, dict]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/cases/", {"item": item.code, "division": TOWN_A, "title": "重试发起"},
                           format="json", HTTP_IDEMPOTENCY_KEY=key)
    return response.status_code, response.json()


@pytest.mark.django_db
def test_a_retry_with_the_same_idempotency_key_answers_200_with_the_first_case() -> None:
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    first = _start(actors.handler, item, "phone-7f3a")
    again = _start(actors.handler, item, "phone-7f3a")
    other = _start(actors.handler, item, "phone-7f3b")
    assert (first[0], again[0], other[0]) == (201, 200, 201)
    assert again[1]["id"] == first[1]["id"] != other[1]["id"]
    assert again[1]["number"] == first[1]["number"]
    assert Case.objects.filter(idempotency_key="phone-7f3a").count() == 1
    created = AuditLog.objects.filter(model="flows.Case", object_id=str(first[1]["id"]), action="create")
    assert created.count() == 1 and created.get().after["idempotency_key"] == "phone-7f3a"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_retries_of_a_case_start_make_one_case_idempotency() -> None:
    """Threads released together, each with its own connection. On the suite's in-memory SQLite
    (shared cache, table locks fail at once) concurrent writers cannot run: PostgreSQL only."""
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory shared-cache SQLite test database cannot run concurrent writers")
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(n: int) -> None:
        try:
            barrier.wait()
            results[n] = _start(actors.handler, item, "retry-storm-1")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert [r for r in results if not isinstance(r, tuple)] == []
    assert sorted(Counter(status for status, _ in results).items()) == [(200, THREADS - 1), (201, 1)]
    assert len({body["id"] for _, body in results}) == 1
    assert Case.objects.filter(idempotency_key="retry-storm-1").count() == 1
    assert AuditLog.objects.filter(model="flows.Case", action="create").count() == 1
