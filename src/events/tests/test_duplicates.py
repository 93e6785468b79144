"""Issue 9 acceptance: "A second report of 06010 within 50 m and 24 h of an open one is flagged with
the first as a candidate; merging gives both reporters the outcome." And what is not flagged: farther
than the class's distance, older than its window, another class, a closed event; the centre may
clear the flag instead of merging."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import AuditLog
from events.models import Event
from events.services.duplicates import haversine_m
from events.tests import factory
from notify import outbox
from notify.models import Notification

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
METRE = 1 / 111_195  # degrees of latitude per metre (mean Earth radius)


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def report(user: Any, lat: float, lng: float, channel: str = "grid", category: str = "06010") -> dict[str, Any]:
    r = api(user).post("/api/events/", {"category": category, "lat": lat, "lng": lng, "description": "路边垃圾",
                                        "channel": channel}, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def test_a_second_report_within_50_m_is_flagged_and_merging_tells_both_reporters_the_outcome() -> None:
    ew = factory.build()
    u = ew.users
    lat, lng = factory.point_in(ew.grid_a)
    first = report(u["worker"], lat, lng)
    assert first["duplicate_of"] == []
    second = report(u["hotline"], lat + 30 * METRE, lng, channel="hotline")
    assert haversine_m(lat, lng, lat + 30 * METRE, lng) == pytest.approx(30, abs=0.5)
    assert second["duplicate_of"] == [first["id"]]
    assert Event.objects.get(pk=second["id"]).duplicate_of == [first["id"]]
    written = list(AuditLog.objects.filter(model="events.Event", object_id=str(second["id"])).values_list(
        "action", "after__duplicate_of"))
    assert written == [("create", [first["id"]])], "flagged in the event's own insert, not by a second write"
    detail = api(u["centre_a"]).get(f"/api/events/{second['id']}/").json()
    assert detail["duplicate_of"] == [first["id"]] and "clear-duplicate" in detail["allowed"]

    centre = api(u["centre_a"])
    assert centre.post(f"/api/events/{second['id']}/merge/", {"into": first["id"]}, format="json").status_code == 200
    for verb in ("accept", "file", "dispatch"):
        assert centre.post(f"/api/events/{first['id']}/{verb}/", {}, format="json").status_code == 200
    assert api(u["handler_a"]).post(f"/api/events/{first['id']}/feedback/", {"note": "已清运",
                                    "photos": [factory.photo()]}, format="multipart").status_code == 200
    assert api(u["worker"]).post(f"/api/events/{first['id']}/verify/", {"passed": True},
                                 format="json").status_code == 200
    assert centre.post(f"/api/events/{first['id']}/close/", {}, format="json").status_code == 200
    outbox.dispatch_all()
    outbox.dispatch_all()
    told = set(Notification.objects.filter(kind="closed").values_list("recipient", flat=True))
    assert told == {f"user:{u['worker'].pk}", f"user:{u['hotline'].pk}"}
    outbox.dispatch_all()
    assert Notification.objects.filter(kind="closed").count() == 2, "once each"


def test_what_is_not_a_duplicate_and_clearing_the_flag() -> None:
    ew = factory.build()
    u = ew.users
    lat, lng = factory.point_in(ew.grid_a)
    first = report(u["worker"], lat, lng)
    assert report(u["worker"], lat + 60 * METRE, lng)["duplicate_of"] == [], "farther than 50 m"
    assert report(u["worker"], lat, lng, category="06012")["duplicate_of"] == [], "another class"
    old = factory.report(ew, reported_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=TZ), client_id="old")
    later = factory.report(ew, reported_at=dt.datetime(2026, 1, 6, 9, 1, tzinfo=TZ), client_id="later")
    assert later.duplicate_of == [], "older than 24 h"
    Event.objects.filter(pk=old.pk).update(state="closed", state_kind="closed")
    near = report(u["worker"], lat + 10 * METRE, lng)
    assert first["id"] in near["duplicate_of"] and old.pk not in near["duplicate_of"]

    centre = api(u["centre_a"])
    r = centre.post(f"/api/events/{near['id']}/clear-duplicate/", {}, format="json")
    assert r.status_code == 200 and r.json()["duplicate_of"] == [] and "clear-duplicate" not in r.json()["allowed"]
    again = centre.post(f"/api/events/{near['id']}/clear-duplicate/", {}, format="json")
    assert again.status_code == 409
    step = Event.objects.get(pk=near["id"]).steps.get(action="clear-duplicate")
    assert step.data["cleared"] == near["duplicate_of"]


def test_the_candidates_are_the_nearest_first_at_most_ten_within_the_class_distance() -> None:
    ew = factory.build()
    lat, lng = factory.point_in(ew.grid_a)
    for n, metres in enumerate([3, 45, 12, 49.99, 50.01, 7, 30, 7, 21, 18, 40, 26, 33]):
        assert report(ew.users["worker"], lat + metres * METRE, lng)["id"], n
    new = report(ew.users["worker"], lat, lng)
    assert len(new["duplicate_of"]) == 10 and new["duplicate_of"] == Event.objects.get(pk=new["id"]).duplicate_of
    near = Event.objects.in_bulk(new["duplicate_of"])
    distances = [(haversine_m(lat, lng, near[i].lat, near[i].lng), i) for i in new["duplicate_of"]]
    assert distances == sorted(distances) and max(d for d, _ in distances) <= 50  # ties (7 m, 7 m) by id
