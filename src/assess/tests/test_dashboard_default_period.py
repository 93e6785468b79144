"""The leader dashboard opens on a period that has figures: the latest with stored scores in the
division, else the current one (a newcomer's first look at the demo is not an empty month)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assess import services
from assess.models import Score
from assess.periods import period_of
from assess.tests import world as W

pytestmark = pytest.mark.django_db


def test_dashboard_opens_on_the_latest_month_with_scores() -> None:
    aw = W.build()
    leader = aw.users["leader"]
    this_month = period_of("month", timezone.localdate())
    # nothing stored yet: the current month
    assert W.client(leader).get("/assess/", {"division": W.COUNTY}).context["period"] == this_month
    services.indicators_seed(city=aw.world.city)
    for day in (dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
        services.results_compute(division=aw.world.county, period=period_of("month", day), as_of=W.AS_OF)
    page = W.client(leader).get("/assess/", {"division": W.COUNTY})
    assert page.context["period"] == period_of("month", dt.date(2026, 3, 1))
    assert [r["name"] for r in page.context["data"]["ranking"]] == ["东关街道", "湾头镇"]
    assert "本期尚无考核得分" not in page.content.decode()
    # the results page and the API answer the same default; an asked-for day still wins
    assert W.client(leader).get("/assess/results/", {"division": W.COUNTY}).context["period"].start == dt.date(2026, 3, 1)
    api = APIClient()
    api.force_authenticate(leader)
    assert api.get("/api/assess/dashboard/", {"division": W.COUNTY}).json()["period"]["start"] == "2026-03-01"
    asked = W.client(leader).get("/assess/", {"division": W.COUNTY, "day": "2026-02-10"})
    assert asked.context["period"].start == dt.date(2026, 2, 1)
    # a week view with no weekly scores opens on the current week
    weekly = W.client(leader).get("/assess/", {"division": W.COUNTY, "period_kind": "week"})
    assert weekly.context["period"] == period_of("week", timezone.localdate())


def test_a_month_just_begun_gives_way_to_the_month_before(settings) -> None:  # noqa: ANN001
    """On the 1st just after midnight only the towns with a report since then have scores in the
    new month: for its first fifth the dashboard opens on the month before (if it has scores)."""
    from assess import selectors

    aw = W.build()
    leader = aw.users["leader"]
    services.indicators_seed(city=aw.world.city)
    march, april = period_of("month", dt.date(2026, 3, 1)), period_of("month", dt.date(2026, 4, 1))
    services.results_compute(division=aw.world.county, period=march, as_of=W.AS_OF)
    for score in list(Score.objects.filter(period_kind="month", period_start=march.start)[:3]):
        score.pk, score.period_start, score.period_end = None, april.start, april.end
        score.save()
    def opens_on(today: dt.date) -> dt.date | None:
        return selectors.latest_scored_start(leader, kind="month", division=W.COUNTY, today=today)
    assert opens_on(dt.date(2026, 4, 1)) == march.start    # the new month's first day
    assert opens_on(dt.date(2026, 4, 6)) == march.start
    assert opens_on(dt.date(2026, 4, 7)) == april.start    # a fifth of April has passed
    assert opens_on(dt.date(2026, 5, 1)) == april.start    # April is over: its scores are the latest
