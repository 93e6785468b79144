"""Races on PostgreSQL (run with `./test --postgres -k events`): threads released together.

- 20 identical reports with one client_id → one event (one 201, nineteen 200 with the same id);
- two simultaneous 结案 → exactly one succeeds, the other is a 409 (the compare-and-set on version).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from core.roles import Role
from events.models import Event, Step
from events.services import Params, event_act
from events.tests import factory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is tried on PostgreSQL"),
]


def run_together(n: int, fn: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_identical_reports_at_the_same_moment_make_one_event() -> None:
    ew = factory.build()
    lat, lng = factory.point_in(ew.grid_a)
    worker = ew.users["worker"]
    payload = {"category": "06010", "lat": lat, "lng": lng, "description": "同一条上报", "channel": "grid",
               "client_id": "phone-7-race"}

    def post(_: int) -> tuple[int, int]:
        api = APIClient()
        api.force_authenticate(worker)
        r = api.post("/api/events/", payload, format="json")
        return r.status_code, r.json().get("id", -1)

    results = run_together(20, post)
    statuses = sorted(s for s, _ in results)
    assert statuses == [200] * 19 + [201], results
    assert len({i for _, i in results}) == 1
    assert Event.objects.filter(client_id="phone-7-race").count() == 1
    assert Step.objects.filter(event__client_id="phone-7-race").count() == 1


def test_of_two_simultaneous_closes_exactly_one_succeeds() -> None:
    ew = factory.build()
    u = ew.users
    second_centre = ew.world.user("centre-a2", factory.A, [Role.TOWN_COMMAND])
    event = factory.report(ew)
    for verb in ("accept", "file", "dispatch"):
        event = event_act(event=event, action=verb, user=u["centre_a"])
    event = event_act(event=event, action="feedback", user=u["handler_a"], params=Params(note="已处理", photo_files=[factory.photo()]))
    event = event_act(event=event, action="verify", user=u["worker"], params=Params(passed=True))
    users = [u["centre_a"], second_centre]

    def close(i: int) -> tuple[int, str]:
        api = APIClient()
        api.force_authenticate(users[i])
        r = api.post(f"/api/events/{event.pk}/close/", {}, format="json")
        return r.status_code, r.json().get("error", {}).get("code", "")

    results = run_together(2, close)
    assert sorted(s for s, _ in results) == [200, 409], results
    assert {c for s, c in results if s == 409} <= {"stale", "illegal_action"}
    fresh = Event.objects.get(pk=event.pk)
    assert fresh.state == "closed"
    assert Step.objects.filter(event=event, action="close").count() == 1
