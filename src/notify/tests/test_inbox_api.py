"""Inbox API: own and own unit's notifications, unread filter and count, mark read (audited)."""
from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import AuditLog
from core.testing.world import build_world
from notify.models import Notification
from notify.tests.fixtures import notification_for, unit_b

pytestmark = pytest.mark.django_db


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _world_with_inbox() -> tuple:
    world = build_world()
    unit = unit_b(world)
    own = notification_for(world.insider, "派遣给您：06010 暴露垃圾", key="a")
    unit_row = Notification.objects.create(unit=unit, recipient=f"unit:{unit.pk}", division=world.town_b,
                                           kind="called", title="县级部门吹哨", key="b")
    colleague_own = notification_for(world.users["colleague"], "同事的消息", key="c")
    return world, own, unit_row, colleague_own


def test_list_holds_own_and_unit_notifications_not_colleagues() -> None:
    world, own, unit_row, colleague_own = _world_with_inbox()
    body = _client(world.insider).get("/api/notifications/").json()
    assert {r["id"] for r in body["results"]} == {own.pk, unit_row.pk}
    row = next(r for r in body["results"] if r["id"] == unit_row.pk)
    assert row["to"] == "unit" and row["unit_name"] == "湾头镇指挥调度中心" and row["kind_label"] == "乡呼县应"
    assert row["is_read"] is False


def test_unread_filter_and_count_follow_mark_read() -> None:
    world, own, unit_row, _ = _world_with_inbox()
    client = _client(world.insider)
    assert client.get("/api/notifications/unread-count/").json() == {"total": 2, "own": 1, "unit": 1}
    response = client.post(f"/api/notifications/{own.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client.get("/api/notifications/unread-count/").json() == {"total": 1, "own": 0, "unit": 1}
    assert [r["id"] for r in client.get("/api/notifications/?unread=true").json()["results"]] == [unit_row.pk]
    assert [r["id"] for r in client.get("/api/notifications/?unread=false").json()["results"]] == [own.pk]
    entry = AuditLog.objects.get(model="notify.Notification", object_id=str(own.pk), action="update")
    assert entry.actor_name == "insider" and entry.before["read_at"] is None and entry.after["read_at"]


def test_marking_read_twice_keeps_the_first_time() -> None:
    world, own, _, _ = _world_with_inbox()
    client = _client(world.insider)
    first = client.post(f"/api/notifications/{own.pk}/read/").json()["read_at"]
    assert client.post(f"/api/notifications/{own.pk}/read/").json()["read_at"] == first


def test_a_unit_notification_read_by_one_member_is_read_for_the_unit() -> None:
    world, _, unit_row, _ = _world_with_inbox()
    _client(world.users["colleague"]).post(f"/api/notifications/{unit_row.pk}/read/")
    unit_row.refresh_from_db()
    assert unit_row.read_by == world.users["colleague"]
    assert _client(world.insider).get("/api/notifications/unread-count/").json()["unit"] == 0


def test_read_all_marks_only_the_callers_inbox() -> None:
    world, own, unit_row, colleague_own = _world_with_inbox()
    assert _client(world.insider).post("/api/notifications/read-all/").json() == {"marked": 2}
    assert set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {own.pk, unit_row.pk}
    assert Notification.objects.get(pk=colleague_own.pk).read_at is None
    assert AuditLog.objects.filter(model="notify.Notification", action="update").count() == 2
    assert _client(world.insider).post("/api/notifications/read-all/").json() == {"marked": 0}


def test_bad_input_is_a_4xx_with_a_message() -> None:
    world, _, _, colleague_own = _world_with_inbox()
    client = _client(world.insider)
    for response in (client.post("/api/notifications/999999999/read/"),
                     client.post(f"/api/notifications/{colleague_own.pk}/read/"),
                     client.get("/api/notifications/abc/")):
        assert response.status_code == 404 and response.json()["error"]["message"]
    response = client.get("/api/notifications/?kind=nonsense")
    assert response.status_code == 400 and "kind" in response.json()["error"]["fields"]
    assert APIClient().get("/api/notifications/").status_code in (401, 403)
