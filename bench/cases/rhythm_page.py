"""rhythm_page.*: server time of the 巡查节奏 page (日巡查·周分析·月汇总) for the whole city and for a
town, on the demo-sized grid layout: 5,639 comprehensive + 593 specialised grids inside Yangzhou's
real county outlines, 10,922 workers and the last 7 days of patrols (~20k) and findings, built by
the demo's own generator (`grids.demo.populate`).

The figure is the median of full GETs through Django's test client as the city command centre
— view, selectors, template, middleware — with the median CPU time of the process beside it
(`.cpu.p50`: on SQLite, which runs in-process, the page's own cost whatever else the machine runs). Limit beside it: a plain SQL
aggregate over the same patrol rows (`COUNT(*)`, `SUM(duration_s)` of the period's ended patrols),
the floor of anything that looks at every patrol. Target (issue 13 item 7): under 300 ms.

Setup empties the grid tables first (a raw delete, no audit: the locate case before leaves 100k
province-scale grids under the same villages, which would otherwise be counted as the city's)."""
from __future__ import annotations

import os
import random
import time

from bench.run import Context, percentile

CITY = "321000000000"
TOWN = "321002001000"


def _clear() -> None:
    from django.db import connection, transaction

    from grids.models import Finding, Grid, GridMembership, GridReport, GridVersion, GridWorker, Patrol, PatrolPoint

    with transaction.atomic():
        for model in (PatrolPoint, Finding, Patrol, GridMembership, GridVersion, GridReport, GridWorker, Grid):
            model.objects.all()._raw_delete(connection.alias)


def _build(tiny: bool) -> dict:
    from django.core.management import call_command

    from core import audit
    from divisions.models import Division
    from grids import demo

    call_command("import_divisions", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    _clear()
    counties = list(Division.objects.filter(level="county").order_by("code"))
    towns = list(Division.objects.filter(level="town").order_by("code"))
    villages = list(Division.objects.filter(level="village").order_by("code"))
    totals: dict = {}
    if tiny:
        counties = [c for c in counties if c.code.startswith(TOWN[:6])]
        towns = [t for t in towns if t.code.startswith(TOWN[:9])]
        villages = [v for v in villages if v.code.startswith(TOWN[:9])]
        totals = {"comprehensive_total": 2 * len(villages), "specialised_total": 2, "workers_total": 6 * len(villages)}
    with audit.acting_as(name="bench", source="bench"):
        return demo.populate(counties, towns, villages, random.Random(demo.SEED), track_points=False, **totals)


def _p50(client: object, url: str, n: int) -> tuple[float, float]:
    """(median wall time, median CPU time of this process) of n GETs, in ms. The CPU figure
    (SQLite runs in-process) shows the page's own cost when other work shares the machine."""
    client.get(url)  # type: ignore[attr-defined]  # warm: templates, caches
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        response = client.get(url)  # type: ignore[attr-defined]
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        assert response.status_code == 200, response.status_code
    return percentile(wall, 50), percentile(cpu, 50)


def _bare_aggregate_ms(n: int) -> float:
    import datetime as dt

    from django.db.models import Count, Sum
    from django.utils import timezone

    from grids.models import Patrol

    since = timezone.now() - dt.timedelta(days=31)
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        Patrol.objects.filter(started_at__gte=since, status="ended").aggregate(n=Count("id"), s=Sum("duration_s"))
        samples.append((time.perf_counter() - t) * 1000)
    return percentile(samples, 50)


def run(ctx: Context) -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from core.roles import Role

    made = _build(ctx.tiny)
    ctx.dataset["rhythm_load_average"] = [round(x, 2) for x in os.getloadavg()]  # the machine may be shared
    ctx.dataset["rhythm_grids"] = len(made["grids"])
    ctx.dataset["rhythm_patrols"] = len(made["patrols"])
    ctx.dataset["rhythm_findings"] = len(made["findings"])
    user, _ = User.objects.get_or_create(username="bench-rhythm-city",
                                         defaults={"division_id": CITY, "roles": [Role.CITY_COMMAND]})
    setup_test_environment()  # the test client's host and template hooks
    client = Client()
    client.force_login(user)
    n = 3 if ctx.tiny else 30
    bare = _bare_aggregate_ms(n)
    limit_name = "plain SQL aggregate over the period's patrols"
    for name, url in (("rhythm_page", "/grids/rhythm/"), ("rhythm_page.town", f"/grids/rhythm/?division={TOWN}")):
        wall, cpu = _p50(client, url, n)
        ctx.record(f"{name}.p50", wall, "ms", limit=bare, limit_name=limit_name)
        ctx.record(f"{name}.cpu.p50", cpu, "ms")
