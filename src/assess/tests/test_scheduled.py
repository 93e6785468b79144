"""The periodic tasks compute the period that just ended and write the reports after it."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from assess import services, tasks
from assess.models import AssessReport, Result
from assess.tests import world as W
from core.testing.commit import committed

pytestmark = pytest.mark.django_db


def test_on_the_first_of_april_march_is_computed_and_reported(settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = str(tmp_path)
    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    with time_machine.travel(dt.datetime(2026, 4, 6, 1, 10, tzinfo=W.TZ), tick=False):
        # a Monday: yesterday's day, last week (Mar 30 – Apr 5); not the 1st, so no month yet
        tasks.compute_daily.call_local()
        assert not Result.objects.filter(period_kind="month").exists()
        assert Result.objects.filter(period_kind="week", period_start=dt.date(2026, 3, 30)).exists()
    with time_machine.travel(dt.datetime(2026, 4, 1, 1, 10, tzinfo=W.TZ), tick=False):
        tasks.compute_daily.call_local()
        assert Result.objects.filter(period_kind="quarter", period_start=dt.date(2026, 1, 1)).exists()
        march = Result.objects.get(period_kind="month", code="close_rate", subject_key=W.A)
        assert (march.numerator, march.denominator) == (2, 3)   # as of April 1: E6 closes on April 3
    with time_machine.travel(dt.datetime(2026, 4, 1, 2, 40, tzinfo=W.TZ), tick=False), committed():
        made = tasks.scheduled_reports.call_local()
    # monthly summary for towns A, B, C, both counties and the city (2026-04-01 is a Wednesday: no weekly)
    assert made == 6 and AssessReport.objects.filter(kind="monthly", period_start=dt.date(2026, 3, 1)).count() == 6
