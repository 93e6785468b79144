"""Outsider cases for notify: a town-A user reaches nothing of town B's inbox, outbox or contacts,
and — stricter than division scoping — nobody reads another user's inbox, even in the same town."""
from __future__ import annotations

from typing import Any

from core.roles import Role
from core.testing.cases import ScopeCase
from notify import outbox
from notify.models import Contact, Notification, OutboxMessage, Reminder
from notify.tests.fixtures import notification_for, unit_b


def make_notification(world: Any) -> Notification:
    return notification_for(world.insider, title="湾头镇事件超期")


def make_outbox(world: Any) -> OutboxMessage:
    return outbox.enqueue("notify.send", {"channel": "inbox", "recipients": [["user", world.insider.pk]],
                                          "kind": "overdue", "title": "湾头镇事件超期"},
                          key="scoping:outbox", division_id=world.town_b.code)


def make_contact(world: Any) -> Contact:
    return Contact.objects.create(user=world.insider, channel="sms", address="13800000001")


def make_reminder(world: Any) -> Reminder:
    return Reminder.objects.create(kind="catalog.change", ref="1", division=world.town_b, title="湾头镇退还催办",
                                   note="湾头镇请抓紧", urged_by=world.users["county-user"], urged_by_name="county-user")


def check_inbox_actions(world: Any, api: Any, session: Any, insider: Any) -> None:
    """Read, read-all and unread-count touch only the caller's inbox; the page shows only it."""
    unit = unit_b(world)
    theirs = make_notification(world)
    unit_row = Notification.objects.create(unit=unit, recipient=f"unit:{unit.pk}", division=world.town_b,
                                           kind="called", title="湾头镇吹哨", key="u1")
    assert insider.get("/api/notifications/unread-count/").json() == {"total": 2, "own": 1, "unit": 1}
    assert api.get("/api/notifications/unread-count/").json() == {"total": 0, "own": 0, "unit": 0}
    assert api.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    assert api.post(f"/api/notifications/{unit_row.pk}/read/").status_code == 404
    assert api.post("/api/notifications/read-all/").json() == {"marked": 0}
    assert session.post(f"/messages/{theirs.pk}/read/").status_code == 404
    assert session.post("/messages/read-all/").status_code == 302
    page = session.get("/messages/").content.decode()
    assert "湾头镇" not in page
    assert not Notification.objects.filter(read_at__isnull=False).exists(), "an outsider marked a row read"


def check_same_town_other_user(world: Any, api: Any, session: Any, insider: Any) -> None:
    """A colleague in the same town (not the same unit) sees none of the insider's own messages."""
    mine = make_notification(world)
    other = world.user("same-town", world.town_b.code, [Role.TOWN_COMMAND])
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(other)
    assert client.get("/api/notifications/").json()["results"] == []
    assert client.get("/api/notifications/unread-count/").json()["total"] == 0
    assert client.get(f"/api/notifications/{mine.pk}/").status_code == 404
    assert client.post(f"/api/notifications/{mine.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=mine.pk).read_at is None


CASES = [
    ScopeCase(model=Notification, make=make_notification, api_list="notification-list",
              api_detail="notification-detail", writable=False),
    ScopeCase(model=OutboxMessage, make=make_outbox),
    ScopeCase(model=Contact, make=make_contact),
    ScopeCase(model=Reminder, make=make_reminder),
]
URL_CASES = {
    "notification-read": check_inbox_actions,
    "notification-read-all": check_inbox_actions,
    "notify:inbox": check_inbox_actions,
    "notify:read": check_inbox_actions,
    "notify:read-all": check_inbox_actions,
    "notification-unread-count": check_same_town_other_user,
}
