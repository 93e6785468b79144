"""Spikes (issue 10 item 1): a class or a town with markedly more events in the current hour than
its usual for this hour and weekday — count > max(3, mean + 3·sd) over the previous 8 same-weekday
same-hour windows. Events are built by hand at known instants; the expected figures are worked out
below each case."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.testing.world import build_world
from events.models import Event, EventClass
from events.selectors import spikes

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 2, 10, 40, tzinfo=TZ)      # a Wednesday, 10:40 local
HOUR = dt.datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
A, B = "321002001000", "321002106000"


def klass(world: Any, code: str, name: str) -> EventClass:
    return EventClass.objects.create(division=world.city, code=code, name=name, kind="matter", major_name="市容环境")


def events(cls: EventClass, town: str, at: dt.datetime, n: int) -> None:
    Event.objects.bulk_create([
        Event(event_class=cls, division_id=town, town_id=town, county_id=town[:6] + "000000", description="x",
              channel="grid", location_status="in_grid", reported_at=at + dt.timedelta(minutes=i % 50))
        for i in range(n)])


def test_a_class_and_a_town_far_above_their_usual_hour_are_spikes() -> None:
    world = build_world()
    rubbish, stalls = klass(world, "06010", "暴露垃圾"), klass(world, "09006", "占道经营")
    # 暴露垃圾 in 东关: 1 or 2 an hour on Wednesdays 10:00 for 8 weeks → mean 1.5, sd 0.5, threshold
    # max(3, 1.5 + 1.5) = 3; now 7 in the current hour → a spike (class 06010 and town 东关).
    for week in range(1, 9):
        events(rubbish, A, HOUR - dt.timedelta(weeks=week), 1 + week % 2)
    events(rubbish, A, HOUR, 7)
    # 占道经营 in 湾头: steady 4–6 on Wednesdays at 10 (mean 5, sd 0.866…, threshold 7.6); now 6 → no spike.
    for week, n in zip(range(1, 9), [4, 6, 5, 5, 4, 6, 5, 5], strict=True):
        events(stalls, B, HOUR - dt.timedelta(weeks=week), n)
    events(stalls, B, HOUR, 6)
    # noise outside the windows never counts: the same hour on a Tuesday, 09:00 today, 11:00 last week
    events(stalls, B, HOUR - dt.timedelta(days=1), 30)
    events(stalls, B, HOUR - dt.timedelta(hours=1), 30)
    events(stalls, B, HOUR - dt.timedelta(weeks=1) + dt.timedelta(hours=1), 30)

    found = {(s.kind, s.key): s for s in spikes(Event.objects.all(), NOW)}
    assert set(found) == {("class", "06010"), ("town", A)}
    s = found[("class", "06010")]
    assert (s.count, s.history, s.mean, s.sd, s.threshold) == (7, [1, 2, 1, 2, 1, 2, 1, 2], 1.5, 0.5, 3.0)  # oldest week first
    assert found[("town", A)].name == "东关街道"
    assert found[("class", "06010")].as_dict()["name"] == "暴露垃圾"


def test_few_events_are_never_a_spike_and_a_quiet_history_counts_as_zero() -> None:
    world = build_world()
    cls = klass(world, "06010", "暴露垃圾")
    events(cls, A, HOUR, 3)           # no history at all: mean 0, sd 0, threshold max(3, 0) = 3; 3 is not > 3
    assert spikes(Event.objects.all(), NOW) == []
    events(cls, A, HOUR + dt.timedelta(minutes=30), 1)   # 4 > 3 → spike
    assert [(s.kind, s.count) for s in spikes(Event.objects.all(), NOW)] == [("class", 4), ("town", 4)]


def test_spikes_are_read_inside_the_viewers_subtree() -> None:
    world = build_world()
    cls = klass(world, "06010", "暴露垃圾")
    events(cls, B, HOUR, 9)
    assert spikes(Event.objects.visible_to(world.outsider), NOW) == []     # 东关 sees nothing of 湾头
    assert {s.key for s in spikes(Event.objects.visible_to(world.insider), NOW)} == {"06010", B}
