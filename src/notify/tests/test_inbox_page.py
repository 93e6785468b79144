"""The 消息 page: in the navigation, lists the inbox, marks read and opens links."""
from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.testing.world import build_world
from notify.models import Notification
from notify.tests.fixtures import notification_for, unit_b

pytestmark = pytest.mark.django_db


def _session(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_lists_the_inbox_with_counts_and_nav_entry() -> None:
    world = build_world()
    unit = unit_b(world)
    notification_for(world.insider, "派遣给您：06010 暴露垃圾", key="a")
    Notification.objects.create(unit=unit, recipient=f"unit:{unit.pk}", division=world.town_b, kind="called",
                                title="县级部门吹哨", key="b")
    html = _session(world.insider).get("/messages/").content.decode()
    assert 'href="/messages/"' in html and ">消息<" in html
    assert "派遣给您：06010 暴露垃圾" in html and "县级部门吹哨" in html and "湾头镇指挥调度中心" in html
    assert "未读 2 条（本人 1 条，本机构 1 条）" in html
    assert "县级部门吹哨" not in _session(world.insider).get("/messages/?kind=dispatched").content.decode()


def test_mark_read_open_link_and_read_all() -> None:
    world = build_world()
    one = notification_for(world.insider, "一", key="a")
    notification_for(world.insider, "二", key="b")
    client = _session(world.insider)
    response = client.post(f"/messages/{one.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert Notification.objects.get(pk=one.pk).read_at is not None
    response = client.post("/messages/read-all/", follow=True)
    assert "已将 1 条消息标为已读" in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_an_outside_link_is_never_followed() -> None:
    world = build_world()
    row = notification_for(world.insider, "钓鱼", key="a")
    Notification.objects.filter(pk=row.pk).update(link="https://evil.example/")
    response = _session(world.insider).post(f"/messages/{row.pk}/read/", {"open": "1"})
    assert response["Location"] == "/messages/"


def test_get_on_the_write_urls_is_refused() -> None:
    world = build_world()
    row = notification_for(world.insider, "一", key="a")
    client = _session(world.insider)
    assert client.get(f"/messages/{row.pk}/read/").status_code == 405
    assert Notification.objects.get(pk=row.pk).read_at is None


def test_english_after_the_switch() -> None:
    world = build_world()
    notification_for(world.insider, "一", kind="overdue", key="a")
    client = _session(world.insider)
    client.post("/i18n/setlang/", {"language": "en", "next": "/messages/"})
    html = client.get("/messages/").content.decode()
    assert ">Messages<" in html and "1 unread (1 yours, 0 your unit's)" in html and "Overdue" in html
