"""Issue 13 item 1: each role's home shows its own day's work, and every figure equals the rows of
the list it links to (the test follows each link and reads the list's own count)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import services as catalog_services
from core import audit
from core.roles import Role
from events.models import Event
from events.tests import factory
from grids.models import Finding, Patrol
from web.views.work import home_figures

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def rows_behind(client: Client, url: str) -> int:
    """The number of rows the linked list shows: its pager's 共 N 条 (pages), `count` (API lists)."""
    if url.startswith("/api/"):
        response = client.get(url + "&format=json")
        assert response.status_code == 200, (url, response.content[:300])
        return int(response.json()["count"])
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    found = re.search(r"共 (\d+) 条", response.content.decode())
    assert found, f"{url} shows no row count"
    return int(found.group(1))


def figures_match_their_lists(user: Any) -> dict[str, int]:
    """Every figure with a number on the user's home equals the rows behind its link; the home
    page shows each figure with that link. Returns {figure key: count}."""
    client = _client(user)
    home = client.get("/").content.decode()
    out = {}
    for figure in home_figures(user):
        assert f'href="{figure.url.replace("&", "&amp;")}" data-figure="{figure.key}"' in home, figure
        if figure.count is None:
            assert client.get(figure.url).status_code == 200, figure
            continue
        assert rows_behind(client, figure.url) == figure.count, figure
        out[figure.key] = figure.count
    return out


def _act(user: Any, moment: dt.datetime, event: Event, verb: str, **body: Any) -> None:
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel(moment, tick=False):
        r = api.post(f"/api/events/{event.pk}/{verb}/", body, format="multipart" if "photos" in body else "json")
    assert r.status_code == 200, r.content


def _busy_day() -> Any:
    """东关街道 on an ordinary day: an event overdue since last week and one reported this morning
    (both dispatched to 东关's 综合执法局), a worker's event handled and waiting for their 核查, an
    unreported finding from a patrol, a town call to the county department, an admission and a
    return waiting for the county reform office."""
    ew = factory.build()
    u, cat = ew.users, ew.cat
    today = timezone.localdate()
    old = dt.datetime.combine(today - dt.timedelta(days=7), dt.time(9), TZ)
    morning = dt.datetime.combine(today, dt.time(8, 40), TZ)
    late = factory.report(ew, reported_at=old)
    fresh = factory.report(ew, reported_at=morning, description="路口垃圾桶满溢")
    checked = factory.report(ew, reported_at=morning, description="绿化带垃圾")
    for event in (late, fresh, checked):
        for verb in ("accept", "file", "dispatch"):
            _act(u["centre_a"], event.reported_at + dt.timedelta(minutes=5), event, verb)
    _act(u["handler_a"], timezone.now(), checked, "feedback", note="已清理", photos=[factory.photo()])
    _act(u["centre_a"], timezone.now(), fresh, "call", reason="请县城管到场", units=[ew.county_dept.pk], amount=3)
    worker = ew.grid_a.memberships.get().worker
    with audit.acting_as(u["worker"], source="test"):
        patrol = Patrol.objects.create(worker=worker, division_id=worker.division_id, grid=ew.grid_a,
                                       started_at=timezone.now(), status="ended", grids_covered=[ew.grid_a.code])
        Finding.objects.create(patrol=patrol, grid=ew.grid_a, category="safety", description="井盖缺失",
                               lng=119.4, lat=32.4, found_at=timezone.now())
        catalog_services.admission_file(department=ew.county_dept, title="试点任务", legal_basis="文件",
                                        towns=[ew.world.town_a], user=u["county_handler"])
        change = catalog_services.change_file(kind="delegation", town=ew.world.town_b, item=cat.items["CG-CF-003"],
                                              reason="赋权", effective_date=today + dt.timedelta(days=10),
                                              user=cat.reform)
        catalog_services.change_department_opinion(change=change, agree=True, opinion="同意",
                                                   user=u["county_handler"])
    ew.users["leader"] = ew.world.user("leader-321002", factory.COUNTY, [Role.LEADER])
    return ew


def test_every_roles_home_figures_equal_the_lists_they_link_to() -> None:
    ew = _busy_day()
    u = ew.users

    town = figures_match_their_lists(u["centre_a"])
    assert town["events.overdue"] >= 1 and town["events.due_today"] >= 1
    assert town["grids.findings"] == 1 and town["grids.not_patrolled"] >= 1
    assert town["todo.grids.finding"] == 1 and town["todo"] == 1
    assert "flows.overdue" in town and "catalog.admissions" not in town

    worker = figures_match_their_lists(u["worker"])
    assert worker["grids.mine"] == 1 and worker["events.mine"] == 3 and worker["todo.events.verify"] == 1
    assert worker["grids.my_findings"] == 1 and "events.overdue" not in worker

    handler = figures_match_their_lists(u["handler_a"])
    assert handler["todo.events.handle"] == 2 and handler["events.unit_overdue"] >= 1

    dept = figures_match_their_lists(u["county_handler"])
    assert dept["todo.events.call"] == 1 and "catalog.opinions" in dept

    reform = figures_match_their_lists(ew.cat.reform)
    assert reform["catalog.admissions"] == 1 and reform["catalog.delegation"] == 1
    assert reform["todo.catalog.admission"] == 1 and reform["todo.catalog.change"] == 1

    county = figures_match_their_lists(u["county_centre"])
    city = figures_match_their_lists(u["city_centre"])
    assert county["events.open"] == city["events.open"] == town["events.open"] == 3
    assert county["grids.not_patrolled"] >= town["grids.not_patrolled"]

    leader = figures_match_their_lists(u["leader"])
    assert leader["events.overdue"] == town["events.overdue"]
    assert "assess:dashboard" not in leader  # a link, no number
    assert any(f.key == "assess.dashboard" and f.count is None for f in home_figures(u["leader"]))


def test_another_towns_centre_sees_none_of_it() -> None:
    ew = _busy_day()
    other = figures_match_their_lists(ew.users["centre_b"])
    assert other["events.open"] == other["grids.findings"] == other["todo"] == 0


def test_the_home_and_todo_queries_do_not_grow_with_the_work() -> None:
    """One COUNT per figure and per source, one LIMIT per source with rows: the number of queries
    for the home page and the to-do is the same with one event waiting for 受理 or with six."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ew = _busy_day()
    centre = ew.users["centre_a"]
    factory.report(ew, description="第一处垃圾")  # one event waiting for 受理 already

    def queries(path: str) -> int:
        """The fewest queries of three loads: the per-process caches re-read their generation
        counter now and then (`core.cachegen`, a TTL), which is not the page's own work."""
        client = _client(centre)
        client.get(path)  # warm the per-process caches (lanes, classes, calendar)
        counts = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200
            counts.append(len(ctx.captured_queries))
        return min(counts)

    before = {path: queries(path) for path in ("/", "/todo/")}
    for n in range(5):
        factory.report(ew, description=f"又一处垃圾{n}")  # five more events waiting for 受理
    after = {path: queries(path) for path in ("/", "/todo/")}
    assert after == before
    assert worklist_total(centre) == 7


def worklist_total(user: Any) -> int:
    from core import worklist

    return worklist.listing(user, limit=0).total
