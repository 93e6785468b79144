"""Selectors of the command screen: scoping to the viewer's subtree, deadline colours, queues by
the viewer's level, today's figures, the trend and the change cursor."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from command import selectors
from events.models import Event
from events.services import event_act
from events.tests import factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ew() -> factory.EventWorld:
    return factory.build()


def _b(ew: factory.EventWorld) -> Event:
    return factory.report(ew, user=ew.users["centre_b"], grid=ew.grid_b, channel="hotline")


def test_town_screen_holds_its_events_and_none_of_the_other_town(ew: factory.EventWorld) -> None:
    a, b = factory.report(ew), _b(ew)
    centre_a, county = ew.users["centre_a"], ew.users["county_centre"]
    assert [r[0] for r in selectors.map_events(centre_a)] == [a.pk]
    assert {r[0] for r in selectors.map_events(county)} == {a.pk, b.pk}
    queue = selectors.queues(centre_a)["accept"]
    assert queue["total"] == 1 and [r["id"] for r in queue["rows"]] == [a.pk]
    assert queue["rows"][0]["proposal"]["unit_name"] == ew.unit_a.name
    figures = selectors.today_figures(centre_a)
    assert figures["received"] == 1 and figures["by_channel"]["grid"] == 1 and figures["by_channel"]["hotline"] == 0
    assert figures["by_level"]["town"] == 1
    assert selectors.today_figures(county)["received"] == 2
    assert selectors.trend(centre_a)["received"][-1] == 1 and len(selectors.trend(centre_a)["days"]) == 30


def test_queue_follows_the_viewers_level(ew: factory.EventWorld) -> None:
    county_event = factory.report(ew, category="06017")  # matter held by the county department
    assert county_event.proposed_level == "county"
    assert selectors.queues(ew.users["centre_a"])["accept"]["total"] == 0
    assert [r["id"] for r in selectors.queues(ew.users["county_centre"])["accept"]["rows"]] == [county_event.pk]


def test_deadline_colours_and_warnings(ew: factory.EventWorld) -> None:
    now = timezone.now()
    fine, near, late = factory.report(ew), factory.report(ew), factory.report(ew)
    Event.objects.filter(pk=fine.pk).update(warn_at=now + dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=2))
    Event.objects.filter(pk=near.pk).update(warn_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=2))
    Event.objects.filter(pk=late.pk).update(warn_at=now - dt.timedelta(hours=3), due_at=now - dt.timedelta(hours=1))
    user = ew.users["centre_a"]
    colours = {r["id"]: r["deadline"] for r in selectors.queues(user, now)["accept"]["rows"]}
    assert colours == {fine.pk: "normal", near.pk: "yellow", late.pk: "red"}
    warnings = selectors.warnings(user, now)
    assert [r["id"] for r in warnings["overdue"]["rows"]] == [late.pk]
    assert [r["id"] for r in warnings["near_due"]["rows"]] == [near.pk]
    assert selectors.today_figures(user, now)["overdue"] == 1
    assert selectors.warnings(ew.users["centre_b"], now)["overdue"]["total"] == 0


def test_cursor_moves_with_the_subtree_only(ew: factory.EventWorld) -> None:
    now = timezone.now()
    user = ew.users["centre_a"]
    first = selectors.cursor(user, now)
    _b(ew)
    assert selectors.cursor(user, now) == first  # another town's report
    event = factory.report(ew)
    second = selectors.cursor(user, now)
    assert second != first
    event_act(event=event, action="accept", user=user)
    assert selectors.cursor(user, now) != second  # a step on our event
    assert selectors.cursor(user, now + dt.timedelta(seconds=selectors.CURSOR_BUCKET)) != selectors.cursor(user, now)


def test_accept_moves_the_event_to_the_file_queue(ew: factory.EventWorld) -> None:
    user = ew.users["centre_a"]
    event = factory.report(ew)
    event_act(event=event, action="accept", user=user)
    queues = selectors.queues(user)
    assert queues["accept"]["total"] == 0 and [r["id"] for r in queues["file"]["rows"]] == [event.pk]
    assert selectors.today_figures(user)["received"] == 1


def test_todays_work_counts_events_with_such_a_step_today(ew: factory.EventWorld) -> None:
    from events.models import Step
    from events.tests.test_lifecycle_api import act, ok

    centre, handler = ew.users["centre_a"], ew.users["handler_a"]
    done, half = factory.report(ew), factory.report(ew)
    for who, verb, body in ((centre, "accept", {}), (centre, "file", {}), (centre, "dispatch", {}),
                            (handler, "return", {"reason": "不属本单位"}), (centre, "dispatch", {}),
                            (handler, "feedback", {"note": "已清运", "photos": [factory.photo()]}), (centre, "verify", {"passed": True}),
                            (centre, "close", {})):
        ok(act(who, done, verb, **body))
    for verb in ("accept", "file"):
        ok(act(centre, half, verb))
    figures = selectors.today_figures(centre)
    # dispatched twice today is one event dispatched
    assert (figures["filed"], figures["dispatched"], figures["handled"], figures["closed"]) == (2, 1, 1, 1)
    # a step before midnight is not today's work
    yesterday = selectors._day_start(timezone.now()) - dt.timedelta(minutes=1)
    Step.objects.filter(event=half, action="file").update(at=yesterday)
    assert selectors.today_figures(centre)["filed"] == 1
    assert selectors.today_figures(ew.users["centre_b"])["filed"] == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner (EXPLAIN QUERY PLAN)")
@pytest.mark.parametrize("column", ["channel", "level"])
def test_today_counts_read_today_s_events_not_every_event_through_the_column_s_index(
        ew: factory.EventWorld, column: str) -> None:
    """SQLite without statistics answered `GROUP BY channel` by scanning the channel index over
    every event ever reported (1.1 s on a million events); today's rows come from the
    (reported_at, division) index instead."""
    factory.report(ew)
    today = Event.objects.visible_to(ew.users["county_centre"]).filter(reported_at__gte=timezone.now()
                                                                       - dt.timedelta(hours=1))
    sql, params = selectors.grouped_count(today, column).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [str(row[3]) for row in cursor.fetchall()]
    assert not [line for line in plan if line.startswith("SCAN")], plan
    assert dict(selectors.grouped_count(today, column)) == {"grid" if column == "channel" else "town": 1}
