"""The leader dashboard opens on a period that has figures: the latest with stored scores in the
division, else the current one (a newcomer's first look at the demo is not an empty month)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assess import services
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
