"""The command screen's warnings carry the spikes of the viewer's subtree (issue 10 item 1)."""
from __future__ import annotations

import datetime as dt

import pytest

from command import selectors
from core.testing.world import build_world
from events.models import Event, EventClass

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 2, 10, 40, tzinfo=TZ)


def test_warnings_list_the_spikes_of_the_viewers_subtree_only() -> None:
    world = build_world()
    cls = EventClass.objects.create(division=world.city, code="06010", name="暴露垃圾", kind="matter",
                                    major_name="市容环境")
    Event.objects.bulk_create([
        Event(event_class=cls, division=world.town_b, town=world.town_b, county=world.county, description="x",
              channel="grid", location_status="in_grid", reported_at=NOW - dt.timedelta(minutes=i)) for i in range(6)])
    town_b = selectors.warnings(world.insider, NOW)["spikes"]
    assert [(s["kind"], s["key"], s["count"], s["threshold"]) for s in town_b] == [
        ("class", "06010", 6, 3.0), ("town", "321002106000", 6, 3.0)]
    assert selectors.warnings(world.outsider, NOW)["spikes"] == []
    assert len(selectors.warnings(world.users["city-user"], NOW)["spikes"]) == 2
