"""Outsider cases for the command screen (contract: core/testing/cases.py). The outsider (town A,
every role) must see nothing of town B on its screen: not in the data, the counts, nor the cursor."""
from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from core import audit
from events.tests.scoping_cases import make_event
from notify.models import Notification


def _insider(world: Any) -> Client:
    """A page session of town B's insider (the `insider` argument is an API client)."""
    client = Client()
    client.force_login(world.insider)
    return client


def _b_event(world: Any) -> Any:
    with audit.acting_as(world.insider, source="test"):
        return make_event(world)


def check_state(world: Any, api: Any, session: Any, insider: Any) -> None:
    url = reverse("command:state")
    before = session.get(url)
    assert before.status_code == 200
    event = _b_event(world)
    after = session.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 304, "town B's new event moved town A's cursor"
    data = session.get(url).json()
    assert data["map"] == [] and data["figures"]["received"] == 0
    assert all(q["total"] == 0 and q["rows"] == [] for q in data["queues"].values())
    assert sum(data["trend"]["received"]) == 0 and data["warnings"]["overdue"]["total"] == 0
    inside = _insider(world).get(url).json()
    assert inside["figures"]["received"] == 1 and inside["queues"]["accept"]["rows"][0]["id"] == event.pk


def check_screen(world: Any, api: Any, session: Any, insider: Any) -> None:
    event = _b_event(world)
    event.description = "WANTOU-ONLY-DESCRIPTION"
    event.save()
    page = session.get(reverse("command:screen"))
    assert page.status_code == 200
    assert "WANTOU-ONLY-DESCRIPTION" not in page.content.decode()
    assert "WANTOU-ONLY-DESCRIPTION" in _insider(world).get(reverse("command:screen")).content.decode()


def check_unread(world: Any, api: Any, session: Any, insider: Any) -> None:
    Notification.objects.create(user=world.insider, recipient=f"user:{world.insider.pk}", division=world.town_b,
                                kind="escalated", title="湾头镇的升级", key="b-1")
    assert 'data-unread="0"' in session.get(reverse("command:unread")).content.decode()
    assert 'data-unread="1"' in _insider(world).get(reverse("command:unread")).content.decode()
    assert session.get(reverse("command:state")).json()["alerts"] == []


URL_CASES = {
    "command:state": check_state,
    "command:screen": check_screen,
    "command:unread": check_unread,
}
