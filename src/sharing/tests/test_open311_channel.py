"""Reports made through Open311 have their own channel `open311` (issue 16: "channel open311"), so
the queues' channel filter and the command screen's figures tell them apart from other systems'."""
from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from rest_framework.test import APIClient

from events.models import Event
from events.tests import factory
from sharing.tests import fixtures
from sharing.tests.test_open311 import BASE, DEMO_KEY, post_form, spec_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def ew() -> Any:
    world = factory.build()
    fixtures.key(world, "321002000000", ["events:create", "events:read"], text=DEMO_KEY)
    fixtures.publish("06010")
    return world


def _listed(user: Any, **filters: str) -> set[int]:
    api = APIClient()
    api.force_authenticate(user)
    answer = api.get("/api/events/", filters)
    assert answer.status_code == 200, answer.content
    return {r["id"] for r in answer.json()["results"]}


def test_a_request_posted_through_open311_is_on_channel_open311(ew: Any) -> None:
    response = post_form(spec_post(ew, client_id="tok-1"))
    assert response.status_code == 201, response.content
    event = Event.objects.get(pk=int(json.loads(response.content)[0]["service_request_id"]))
    other = factory.report(ew, user=ew.users["hotline"], channel="system", description="其他系统转来")
    assert event.channel == "open311" and event.get_channel_display() == "Open311接口"
    assert event.client_id == f"open311:{event.client_id.split(':')[1]}:tok-1"
    county = ew.users["county_centre"]
    assert _listed(county, channel="open311") == {event.pk}
    assert _listed(county, channel="system") == {other.pk}
    # a retry with the same client_id answers the first request, and its token still names it
    again = post_form(spec_post(ew, client_id="tok-1"))
    assert again.status_code == 200 and json.loads(again.content)[0]["service_request_id"] == str(event.pk)
    token = json.loads(Client().get(f"{BASE}tokens/tok-1.json", {"api_key": DEMO_KEY}).content)
    assert token == [{"service_request_id": str(event.pk), "token": "tok-1"}]


def test_the_command_screen_counts_open311_apart(ew: Any) -> None:
    from command import selectors  # the top layer reads the channel; sharing's test only looks

    post_form(spec_post(ew))
    factory.report(ew, user=ew.users["hotline"], channel="system", description="其他系统转来")
    figures = selectors.today_figures(ew.users["city_centre"])
    assert figures["by_channel"]["open311"] == 1 and figures["by_channel"]["system"] == 1


def test_the_native_intake_refuses_the_open311_channel(ew: Any) -> None:
    api = APIClient()
    api.force_authenticate(ew.users["hotline"])
    answer = api.post("/api/events/", {"channel": "open311", "category": "06010", "description": "冒充 Open311",
                                       "address": "扬州市广陵区东关街道"}, format="json")
    assert answer.status_code == 400, answer.content
    assert "channel" in answer.json()["error"]["fields"]
    assert not Event.objects.filter(channel="open311").exists()


def test_the_migration_moves_earlier_open311_reports_to_their_channel(ew: Any) -> None:
    from events.services import event_report

    lat, lng = factory.point_in(ew.grid_a)
    user = ew.users["hotline"]
    old = event_report(user=user, channel="system", category="06010", lat=lat, lng=lng, description="迁移前的 Open311",
                       client_id="open311:1:old", source_ref="open311").event
    system = event_report(user=user, channel="system", category="06010", lat=lat, lng=lng, description="其他系统",
                          client_id="szcg-1").event
    migration = importlib.import_module("events.migrations.0005_add_open311_channel")
    migration.forwards(apps, None)
    assert Event.objects.get(pk=old.pk).channel == "open311"
    assert Event.objects.get(pk=system.pk).channel == "system"
    migration.backwards(apps, None)
    assert Event.objects.get(pk=old.pk).channel == "system"
