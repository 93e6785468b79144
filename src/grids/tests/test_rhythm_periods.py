"""The rhythm page's figures (日巡查·周分析·月汇总), computed in one pass in the database: a patrol
counts in each period its start falls in, a grid is patrolled in a period when a patrol of that
period covered it, findings count by period, category, grid and child division; only grids under
the division count, whoever's patrol covered them."""
import datetime as dt
import uuid

import pytest
from django.utils import timezone

from core.testing.world import build_world
from grids import selectors
from grids.models import Finding, Grid, GridWorker, Patrol
from grids.tests import fixtures

pytestmark = pytest.mark.django_db

TOWN_A, TOWN_B = "321002001000", "321002106000"


def _patrol(worker: GridWorker, when: dt.datetime, codes: list[str]) -> Patrol:
    return Patrol.objects.create(uuid=uuid.uuid4(), worker=worker, division_id=worker.division_id, status="ended",
                                 started_at=when, ended_at=when + dt.timedelta(hours=1), grids_covered=codes)


def test_week_and_month_from_one_pass():
    world = build_world()
    fixtures.lay_out(world)
    a = list(Grid.objects.filter(division__code__startswith=TOWN_A[:9], type="comprehensive").order_by("code"))
    b = list(Grid.objects.filter(division__code__startswith=TOWN_B[:9], type="comprehensive").order_by("code"))
    worker = GridWorker.objects.create(division_id="321002001001", name="甲")
    tz = timezone.get_current_timezone()
    day = dt.date(2026, 11, 20)
    at = lambda d, h=9: dt.datetime.combine(d, dt.time(h), tz)  # noqa: E731
    _patrol(worker, at(day), [a[0].code])                       # week and month
    _patrol(worker, at(day - dt.timedelta(days=6), 0), [a[1].code, b[0].code])  # first hour of the week
    _patrol(worker, at(day - dt.timedelta(days=10)), [a[2].code])  # month only
    _patrol(worker, at(day + dt.timedelta(days=1), 0), [a[3].code])  # after the day: neither
    _patrol(worker, at(dt.date(2026, 10, 31), 23), [a[3].code])     # last month: neither
    p = _patrol(worker, at(day - dt.timedelta(days=10)), [b[1].code])  # only town B's grid: not town A's patrol
    Finding.objects.create(patrol=p, grid=a[2], category="safety", description="x", lng=0, lat=0,
                           found_at=at(day - dt.timedelta(days=10)))
    Finding.objects.create(patrol=p, grid=a[0], category="safety", description="x", lng=0, lat=0, found_at=at(day))
    Finding.objects.create(patrol=p, grid=a[0], category="environment", description="x", lng=0, lat=0,
                           found_at=at(day))
    user = world.users["city-user"]
    got = selectors.rhythm(user, TOWN_A, day)
    week, month = got["week"], got["month"]
    assert week["patrols"] == 2 and month["patrols"] == 3
    comp = len(a)
    assert week["patrolled_grids"] == 2 and month["patrolled_grids"] == 3 and week["grids"] == comp
    assert {c for c, _ in week["not_patrolled"]} == {g.code for g in a[2:]}
    assert week["findings"] == 2 and month["findings"] == 3
    assert week["hot_spots"][0][:2] == (a[0].code, a[0].name) and week["hot_spots"][0][2] == 2
    assert sorted(n for _, n in month["by_category"]) == [1, 2]
    rows = {r["code"]: r for r in month["children"]}
    assert rows[a[0].code[:12]]["findings"] >= 1
    assert sum(r["patrolled"] for r in month["children"]) == 3
    # each period equals period_analysis of the same dates
    assert week == selectors.period_analysis(user, TOWN_A, day - dt.timedelta(days=6), day)
    assert month == selectors.period_analysis(user, TOWN_A, day.replace(day=1), day)
    # the county sees town B's grid patrolled too (by town A's worker)
    county = selectors.rhythm(user, "321002000000", day)["week"]
    assert county["patrolled_grids"] == 3 and county["patrols"] == 2
    # a user of town B sees nothing of town A's patrols
    assert selectors.rhythm(world.insider, TOWN_A, day)["week"]["patrols"] == 0
