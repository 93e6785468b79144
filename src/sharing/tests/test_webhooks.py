"""Signed webhooks through the outbox: a receiver that is down is retried with backoff while events
keep flowing; once it is back every change arrives at least once, signed, with its delivery id."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.testing.procs import free_port
from events.tests import factory
from events.tests.test_lifecycle_api import act, ok
from notify import outbox
from notify.models import OutboxMessage
from sharing import webhooks
from sharing.models import WebhookDelivery
from sharing.tests import fixtures
from sharing.tests.receiver import Receiver

pytestmark = pytest.mark.django_db


def subscribe(ew: Any, url: str, **extra: Any) -> tuple[Any, str]:
    issued = fixtures.key(ew, "321002000000", ["events:read", "webhooks:manage"])
    r = fixtures.client_for(issued.text).post("/api/sharing/v1/subscriptions/", {"url": url, **extra}, format="json")
    assert r.status_code == 201, r.content
    return r.json(), r.json()["secret"]


def check_signed(received: Any, secret: str, algorithm: str = "sha256") -> dict[str, Any]:
    h = received.headers
    assert h["x-platform-signature"].startswith(algorithm + "=")
    assert webhooks.verify(received.body, secret, int(h["x-platform-timestamp"]), h["x-platform-signature"])
    assert not webhooks.verify(received.body + b" ", secret, int(h["x-platform-timestamp"]), h["x-platform-signature"])
    body: dict[str, Any] = json.loads(received.body)
    return body


def test_down_endpoint_is_retried_with_backoff_and_every_change_arrives_once_back() -> None:
    ew = factory.build()
    receiver = Receiver(free_port())                     # not listening yet: connection refused
    sub, secret = subscribe(ew, receiver.url)
    first = factory.report(ew)
    centre = ew.users["centre_a"]
    ok(act(centre, first, "accept"))
    t0 = timezone.now()
    result = outbox.dispatch(now=t0)
    assert len(result.failed) == 2 and not result.delivered
    rows = OutboxMessage.objects.filter(kind=webhooks.KIND)
    assert all(r.attempts == 1 and r.available_at >= t0 + dt.timedelta(seconds=29) for r in rows)  # 30 s backoff
    assert WebhookDelivery.objects.filter(ok=False).count() == 2
    # events keep flowing while the receiver is down
    more = [factory.report(ew, description=f"第{n}处垃圾") for n in range(3)]
    ok(act(centre, more[0], "accept"))
    before = timezone.now()
    assert outbox.dispatch(now=t0 + dt.timedelta(seconds=31)).failed        # still down: second attempt
    rows = OutboxMessage.objects.filter(kind=webhooks.KIND, attempts=2)
    assert rows and all(r.available_at >= before + dt.timedelta(seconds=59) for r in rows)   # backoff doubled
    # a worker killed mid-delivery: its claim holds the row until the lease runs out
    outbox.claim(worker="killed-worker", limit=1, now=t0 + dt.timedelta(hours=1))
    receiver.start()
    try:
        later = t0 + dt.timedelta(hours=1)
        outbox.dispatch_all(now=later)
        assert OutboxMessage.objects.filter(kind=webhooks.KIND, status="pending").count() == 1   # the leased one
        outbox.dispatch_all(now=later + dt.timedelta(minutes=10))                                 # lease over
    finally:
        receiver.stop()
    keys = set(OutboxMessage.objects.filter(kind=webhooks.KIND).values_list("key", flat=True))
    assert len(keys) == 6 and OutboxMessage.objects.filter(kind=webhooks.KIND, status="delivered").count() == 6
    got_ids = [r.headers["x-platform-delivery"] for r in receiver.got]
    assert set(got_ids) == keys                                                # none missing, ids to dedup on
    bodies = [check_signed(r, secret) for r in receiver.got]
    assert {(b["event"]["id"], b["step"]["seq"]) for b in bodies} == {
        (first.pk, 1), (first.pk, 2), *((e.pk, 1) for e in more), (more[0].pk, 2)}
    assert all("reporter" not in json.dumps(b) for b in bodies)


def test_filters_sm3_and_replay() -> None:
    ew = factory.build()
    receiver = Receiver(free_port()).start()
    try:
        sub, secret = subscribe(ew, receiver.url, algorithm="sm3", classes=["06010"], states=["accepted"])
        event = factory.report(ew)                                   # to_state reported: filtered out
        ok(act(ew.users["centre_a"], event, "accept"))              # accepted: delivered
        factory.report(ew, category="06017")                         # another class: filtered out
        outbox.dispatch_all()
        assert len(receiver.got) == 1
        body = check_signed(receiver.got[0], secret, "sm3")
        assert body["step"]["to"] == "accepted" and body["event"]["category"] == "06010"
        delivery = WebhookDelivery.objects.get()
        assert delivery.ok and delivery.status_code == 200
        api = APIClient()
        api.force_authenticate(ew.users["county_centre"])
        assert api.post(f"/api/sharing/deliveries/{delivery.pk}/replay/").status_code == 202
        outbox.dispatch_all()
        assert [r.headers["x-platform-delivery"] for r in receiver.got] == [delivery.delivery_id] * 2
        # an outsider town's centre sees no delivery and cannot replay it
        other = APIClient()
        other.force_authenticate(ew.users["centre_b"])
        assert other.post(f"/api/sharing/deliveries/{delivery.pk}/replay/").status_code == 404
    finally:
        receiver.stop()


def test_receiver_error_status_is_a_failure_and_a_revoked_key_stops_deliveries() -> None:
    ew = factory.build()
    receiver = Receiver(free_port(), status=500).start()
    try:
        issued = fixtures.key(ew, "321002000000", ["webhooks:manage"])
        fixtures.client_for(issued.text).post("/api/sharing/v1/subscriptions/", {"url": receiver.url}, format="json")
        factory.report(ew)
        assert outbox.dispatch().failed and WebhookDelivery.objects.get().status_code == 500
        from sharing import services

        services.apikey_revoke(user=ew.users["city_centre"], key=issued.key)
        assert outbox.dispatch(now=timezone.now() + dt.timedelta(hours=1)).delivered   # done, nothing sent
        assert len(receiver.got) == 1
    finally:
        receiver.stop()
