"""The screen's pages: who may open it, the state's conditional GET (304 when nothing moved), the
header's unread badge and the escalation / town-call alerts."""
from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from events.tests import factory
from notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def ew() -> factory.EventWorld:
    return factory.build()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_screen_page_embeds_the_state_and_loads_local_assets_only(ew: factory.EventWorld) -> None:
    event = factory.report(ew)
    page = _client(ew.users["centre_a"]).get(reverse("command:screen"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "指挥调度大屏" in html and "vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert "http://" not in html and "https://" not in html
    start = html.index('id="command-state"')
    state = json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])
    assert [r[0] for r in state["map"]] == [event.pk]
    wall = _client(ew.users["centre_a"]).get(reverse("command:screen"), {"mode": "wall"})
    assert 'data-mode="wall"' in wall.content.decode()


def test_screen_is_for_command_centres_and_leaders(ew: factory.EventWorld) -> None:
    assert _client(ew.users["worker"]).get(reverse("command:screen")).status_code == 403
    assert _client(ew.users["handler_a"]).get(reverse("command:state")).status_code == 403
    assert _client(ew.users["city_centre"]).get(reverse("command:screen")).status_code == 200


def test_unchanged_state_is_a_304_and_a_change_is_a_200(ew: factory.EventWorld) -> None:
    client = _client(ew.users["centre_a"])
    url = reverse("command:state")
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and "no-cache" in first["Cache-Control"]
    data = first.json()
    assert set(data) >= {"map", "queues", "warnings", "figures", "trend", "alerts", "cursor", "unread"}
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    factory.report(ew, user=ew.users["centre_b"], grid=ew.grid_b, channel="hotline")
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304  # another town
    event = factory.report(ew)
    changed = client.get(url + "?parts=map,figures", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    body = changed.json()
    assert [r[0] for r in body["map"]] == [event.pk] and "queues" not in body and "trend" not in body


def test_unchanged_state_costs_two_queries_of_its_own(ew: factory.EventWorld,
                                                             django_assert_max_num_queries: object) -> None:
    client = _client(ew.users["centre_a"])
    url = reverse("command:state")
    etag = client.get(url)["ETag"]
    with django_assert_max_num_queries(5):  # session, user, OTP device, then the two cursor reads
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_header_shows_the_unread_count_and_the_screen_alerts_an_escalation(ew: factory.EventWorld) -> None:
    user = ew.users["centre_a"]
    client = _client(user)
    home = client.get("/").content.decode()
    assert 'id="unread-count"' in home and reverse("command:unread") in home
    assert 'data-unread="0"' in client.get(reverse("command:unread")).content.decode()
    etag = client.get(reverse("command:state"))["ETag"]
    Notification.objects.create(user=user, recipient=f"user:{user.pk}", division=ew.world.town_a,
                                kind="escalated", title="湾头镇事件升级至本级", link="/events/1/", key="esc-1")
    badge = client.get(reverse("command:unread")).content.decode()
    assert 'data-unread="1"' in badge and ">1<" in badge
    state = client.get(reverse("command:state"), HTTP_IF_NONE_MATCH=etag)
    assert state.status_code == 200  # a new notification moves the cursor
    body = state.json()
    assert [a["title"] for a in body["alerts"]] == ["湾头镇事件升级至本级"] and body["unread"] == 1


def test_the_screens_own_refresh_is_not_user_activity(ew: factory.EventWorld) -> None:
    """The poll sends X-Background-Refresh: the idle clock keeps running; a real request resets it."""
    import time

    client = _client(ew.users["centre_a"])
    session = client.session
    session["_seen_at"] = seen = int(time.time()) - 10 * 60
    session.save()
    assert client.get(reverse("command:state"), HTTP_X_BACKGROUND_REFRESH="1").status_code == 200
    assert client.session["_seen_at"] == seen
    session = client.session
    session["_seen_at"] = int(time.time()) - 31 * 60
    session.save()
    assert client.get(reverse("command:state"), HTTP_X_BACKGROUND_REFRESH="1").status_code == 302  # timed out
    client = _client(ew.users["centre_a"])
    session = client.session
    session["_seen_at"] = seen
    session.save()
    assert client.get(reverse("command:state")).status_code == 200
    assert client.session["_seen_at"] > seen
