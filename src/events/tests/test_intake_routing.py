"""Intake and routing: the acceptance example, address reports, points outside visible grids."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from core.models import AuditLog
from events.models import Event, Step
from events.tests import factory
from events.tests.factory import A, B

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def api_for(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_grid_worker_report_is_located_routed_to_the_town_and_due_by_the_working_calendar() -> None:
    ew = factory.build()
    lat, lng = factory.point_in(ew.grid_a)
    with time_machine.travel(dt.datetime(2026, 2, 13, 16, 0, tzinfo=TZ), tick=False):
        r = api_for(ew.users["worker"]).post("/api/events/", {
            "category": "06010", "lat": lat, "lng": lng, "description": "巷口暴露垃圾", "channel": "grid",
            "client_id": "phone-1-0001"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["grid"]["id"] == ew.grid_a.pk
    assert body["village"]["code"] == ew.grid_a.village_id
    assert body["town"] == {"code": A, "name": "东关街道"}
    assert body["unit"] == {"id": ew.unit_a.pk, "name": "综合执法局"}   # the catalog's main unit for ZZ-003 in 东关
    assert body["matter"] == "ZZ-003"
    assert body["level"] == "town"
    # Fri 2026-02-13 16:00 + 4 working hours = the make-up working Saturday 2026-02-14 11:00 (Asia/Shanghai)
    assert dt.datetime.fromisoformat(body["due_at"]) == dt.datetime(2026, 2, 14, 11, 0, tzinfo=TZ)
    # yellow at 80 %: 3 h 12 min of working time = 1 h 30 on Friday + 1 h 42 from Saturday 08:30
    assert dt.datetime.fromisoformat(body["warn_at"]) == dt.datetime(2026, 2, 14, 10, 12, tzinfo=TZ)
    assert body["state"] == "reported" and body["code"] is None  # numbered at 受理
    assert body["duplicate_of"] == []
    assert [s["action"] for s in body["timeline"]] == ["report"]
    event = Event.objects.get(pk=body["id"])
    assert AuditLog.objects.filter(model="events.Event", object_id=str(event.pk), action="create").exists()
    assert Step.objects.filter(event=event).count() == 1


def test_the_same_client_id_twice_gives_one_event_and_200() -> None:
    ew = factory.build()
    lat, lng = factory.point_in(ew.grid_a)
    api = api_for(ew.users["worker"])
    payload = {"category": "06010", "lat": lat, "lng": lng, "description": "垃圾", "channel": "grid",
               "client_id": "retry-me"}
    first = api.post("/api/events/", payload, format="json")
    again = api.post("/api/events/", payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Event.objects.filter(client_id="retry-me").count() == 1
    # the same client_id on another channel is another report
    other = api_for(ew.users["hotline"]).post("/api/events/", {**payload, "channel": "hotline"}, format="json")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_address_only_report_lands_on_the_town_without_a_grid() -> None:
    ew = factory.build()
    r = api_for(ew.users["hotline"]).post("/api/events/", {
        "category": "06010", "address": "扬州市广陵区湾头镇壁虎路 18 号北侧", "description": "垃圾堆放",
        "channel": "hotline"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["town"]["code"] == B and body["division"]["code"] == B
    assert body["grid"] is None and body["village"] is None
    assert body["location_status"] == "address"
    assert body["unit"]["id"] == ew.unit_b.pk and body["level"] == "town"


def test_an_ambiguous_address_stops_at_the_last_certain_level_and_lists_candidates() -> None:
    from divisions.models import Division

    ew = factory.build()
    for code, name in (("321002106002", "万福村委会"), ("321002106003", "万福社区居民委员会")):
        Division.objects.create(code=code, name=name, level="village", kind="村", parent_id=B)
    r = api_for(ew.users["hotline"]).post("/api/events/", {
        "category": "06010", "address": "湾头镇万福", "description": "垃圾", "channel": "hotline"}, format="json")
    body = r.json()
    assert body["division"]["code"] == B and body["grid"] is None
    assert body["location_status"] == "ambiguous"
    assert {c["code"] for c in body["candidates"]} == {"321002106002", "321002106003"}


def test_a_point_outside_visible_grids_is_refused_for_a_grid_worker_and_kept_without_grid_for_the_hotline() -> None:
    ew = factory.build()
    lat, lng = factory.point_in(ew.grid_b)  # town B: the 东关 grid worker may not see it
    refused = api_for(ew.users["worker"]).post("/api/events/", {
        "category": "06010", "lat": lat, "lng": lng, "description": "x", "channel": "grid"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "outside_grids"
    assert not Event.objects.exists()
    far = api_for(ew.users["hotline"]).post("/api/events/", {
        "category": "06010", "lat": 31.0, "lng": 121.0, "description": "热线来电", "channel": "hotline"},
        format="json")
    assert far.status_code == 201, far.content
    assert far.json()["grid"] is None and far.json()["location_status"] == "outside_grids"
    assert far.json()["division"]["code"] == factory.CITY  # the hotline's own division, said so


def test_level_follows_the_catalog_county_main_unit_gap_and_major_severity() -> None:
    ew = factory.build()
    county = factory.report(ew, category="06017")  # ZZ-048: main responsibility with the county department
    assert county.level == "county" and county.unit_id == ew.county_dept.pk
    assert "县级部门" in county.routing["reason"]
    gap = factory.report(ew, category="51001")  # a class whose matter this world lacks
    assert gap.level == "county" and gap.routing["gap"] is True
    major = factory.report(ew, category="06010", severity="major")
    assert major.level == "city" and major.unit_id == ew.unit_a.pk
    b_gap = factory.report(ew, user=ew.users["hotline"], channel="hotline", category="06017", grid=ew.grid_b)
    assert b_gap.level == "county" and b_gap.routing["gap"] is True  # 湾头镇 has no main unit for ZZ-048


def test_unclassified_report_waits_for_the_centre_and_old_codes_are_mapped() -> None:
    ew = factory.build()
    free = factory.report(ew, category=None, category_text="不知道算什么")
    assert free.event_class is None and free.level == "town" and free.due_at is None
    old = factory.report(ew, category="0102")  # CJ/T 214 暴露垃圾
    assert old.event_class.code == "06010"


def test_bad_input_is_a_400_with_a_message() -> None:
    ew = factory.build()
    api = api_for(ew.users["worker"])
    for payload, field in (({"channel": "grid", "description": "x", "category": "99999", "lat": 1, "lng": 1}, "category"),
                           ({"channel": "grid", "description": "", "category": "06010"}, "description"),
                           ({"channel": "fax", "description": "x"}, "channel"),
                           ({"channel": "grid", "description": "x", "category": "06010"}, "lat"),
                           ({"channel": "grid", "description": "x", "lat": 95, "lng": 1}, "lat")):
        r = api.post("/api/events/", payload, format="json")
        assert r.status_code == 400, (payload, r.content)
        assert field in r.json()["error"]["fields"], r.json()
    assert not Event.objects.exists()


def test_an_address_outside_the_reporters_area_is_not_placed_by_it() -> None:
    ew = factory.build()
    r = api_for(ew.users["centre_a"]).post("/api/events/", {
        "category": "06010", "address": "扬州市广陵区湾头镇壁虎路", "description": "x", "channel": "citizen"},
        format="json")
    body = r.json()
    assert r.status_code == 201 and body["division"]["code"] == A  # the reporter's own town, and it says so
    assert body["location_status"] == "reporter" and body["town"]["code"] == A
    assert "未能在您的管辖范围内识别" in body["routing"]["location_note"]
