"""indicators.*: every indicator for every subject for one month, set-based (assess.services.results_compute),
beside a plain SQL aggregate of the same month's step facts measured in the same run; and the leader
dashboard's data (dashboard.<db>.p50).

Data: events with their whole step history bulk-inserted (the lifecycle paths of events.lifecycle.TABLE,
timestamps spread over `BENCH_INDICATOR_DAYS` days, default 365, at `BENCH_INDICATOR_EVENTS` events, default
1,000,000 — the issue's "--days 365 at a higher --rate"), over the Yangzhou division tree with one
handling unit, one grid and one grid worker per town. Tiny mode: the test world's two counties, 400 events
over 40 days. The rows are benchmark data (not audited); the computation itself runs as in production
(results bulk-inserted and audited, scores computed).

Figures: `indicators_month.<db>.time` (s; limit: `SELECT … GROUP BY town, action` of the month's steps),
`indicators.<db>.results` (rows stored), `dashboard.<db>.p50` (ms; limit: one ranking query).
"""
from __future__ import annotations

import datetime as dt
import os
import random
import time
from types import SimpleNamespace
from typing import Any

from bench.run import Context, percentile

SYSTEM = SimpleNamespace(is_authenticated=True, is_superuser=True, division_id=None, roles=[], pk=None)


def _divisions(tiny: bool) -> None:
    from divisions.models import Division

    if tiny:
        from core.testing.world import DIVISIONS

        for code, name, level, kind, parent in DIVISIONS:
            Division.objects.get_or_create(code=code, defaults=dict(name=name, level=level, kind=kind,
                                                                    parent_id=parent))
    elif not Division.objects.filter(level="town").exists():
        from django.core.management import call_command

        call_command("import_divisions", verbosity=0)


def _places() -> list[dict[str, Any]]:
    """One handling unit, one grid and one grid worker (with a login) per town."""
    from accounts.models import User
    from divisions.models import Division
    from grids.models import Grid, GridMembership, GridWorker
    from org.models import Unit

    square = '{"type": "Polygon", "coordinates": [[[119.4, 32.4], [119.41, 32.4], [119.41, 32.41], [119.4, 32.4]]]}'
    out = []
    towns = list(Division.objects.filter(level="town").order_by("code"))
    villages = {v.parent_id: v.code for v in Division.objects.filter(level="village").order_by("-code")}
    for town in towns:
        unit = Unit.objects.get_or_create(division=town, name="综合执法局", defaults={"kind": "bureau"})[0]
        village = villages.get(town.code, town.code)
        code = (village[:12] + "999")[:15]
        grid = Grid.objects.get_or_create(code=code, defaults=dict(
            name="基准网格", type="comprehensive", division_id=village, village_id=village if village != town.code
            else None, geometry=square, centroid_lng=119.405, centroid_lat=32.405))[0]
        user = User.objects.get_or_create(username=f"bench-grid-{town.code}", defaults=dict(
            division_id=village, roles=["grid_worker"]))[0]
        worker = GridWorker.objects.get_or_create(user=user, defaults=dict(division_id=village, name="基准网格员"))[0]
        GridMembership.objects.get_or_create(grid=grid, worker=worker, defaults={"role": "head"})
        out.append({"town": town.code, "county": town.code[:6] + "000000", "village": village, "unit": unit,
                    "grid": grid.pk, "user": user.pk})
    return out


def _generate(places: list[dict[str, Any]], events: int, days: int, start: dt.datetime, seed: int = 14) -> int:
    """Bulk-insert `events` events with their steps; returns the number of steps."""
    from events.models import Event, Step

    rng = random.Random(seed)
    hour = dt.timedelta(hours=1)
    batch_events: list[Any] = []
    batch_paths: list[list[tuple[Any, ...]]] = []
    steps_total = 0

    def flush() -> None:
        nonlocal steps_total
        Event.objects.bulk_create(batch_events, batch_size=2000)
        steps = [Step(event_id=e.pk, seq=i + 1, action=a, outcome=o, at=at, due_at=due, unit_id=u, actor_id=actor,
                      to_state="x", level="town", data=data)
                 for e, path in zip(batch_events, batch_paths)
                 for i, (a, o, at, due, u, actor, data) in enumerate(path)]
        Step.objects.bulk_create(steps, batch_size=5000)
        steps_total += len(steps)
        batch_events.clear()
        batch_paths.clear()

    for n in range(events):
        p = places[rng.randrange(len(places))]
        at = start + dt.timedelta(seconds=rng.randrange(days * 86400))
        worker = rng.random() < 0.6
        due = at + 72 * hour
        e = Event(description="基准事件", channel="grid" if worker else "hotline", reporter_id=p["user"] if worker
                  else None, location_status="in_grid", division_id=p["village"], grid_id=p["grid"],
                  village_id=p["village"] if p["village"] != p["town"] else None, town_id=p["town"],
                  county_id=p["county"], level="town", unit_id=p["unit"].pk, due_at=due, reported_at=at,
                  state="closed", state_kind="closed", is_synthetic=True)
        unit = {"unit": {"id": p["unit"].pk, "name": "综合执法局"}}
        path: list[tuple[Any, ...]] = [("report", "", at, at + hour, None, e.reporter_id, {})]
        t = at + dt.timedelta(minutes=rng.randrange(20, 90))
        if rng.random() < 0.05:
            path.append(("reject", "", t, None, None, None, {}))
        else:
            path += [("accept", "", t, t + hour, None, None, {}), ("file", "", t + hour / 4, t + hour, None, None, {}),
                     ("dispatch", "", t + hour / 2, due, None, None, unit)]
            t += hour
            if rng.random() < 0.05:
                path += [("return", "", t, t + hour, p["unit"].pk, None, {}),
                         ("dispatch", "", t + hour / 2, due, None, None, unit)]
            t += dt.timedelta(hours=rng.randrange(2, 96))
            if rng.random() < 0.9:
                path.append(("feedback", "", t, t + 4 * hour, p["unit"].pk, None, {}))
                if rng.random() < 0.1:
                    path += [("verify", "failed", t + hour, t + 24 * hour, None, e.reporter_id, {}),
                             ("feedback", "", t + 5 * hour, t + 9 * hour, p["unit"].pk, None, {})]
                    t += 5 * hour
                path += [("verify", "passed", t + hour, None, None, e.reporter_id, {}),
                         ("close", "", t + 2 * hour, None, None, None, {})]
                if rng.random() < 0.5:
                    path.append(("rate", "", t + 3 * hour, None, None, None, {"rating": rng.randint(1, 5)}))
        batch_events.append(e)
        batch_paths.append(path)
        if len(batch_events) >= 5000:
            flush()
    if batch_events:
        flush()
    return steps_total


def run(ctx: Context) -> None:
    from django.db import connection
    from django.utils import timezone

    from assess import dashboards, services
    from assess.choices import SubjectType
    from assess.models import Result, Score
    from assess.periods import period_of
    from core import audit
    from divisions.models import Division

    vendor = "postgres" if connection.vendor == "postgresql" else connection.vendor
    tiny = ctx.tiny
    events = 400 if tiny else int(os.environ.get("BENCH_INDICATOR_EVENTS", "1000000"))
    days = 40 if tiny else int(os.environ.get("BENCH_INDICATOR_DAYS", "365"))
    tz = timezone.get_default_timezone()
    start = dt.datetime(2025, 1, 1, tzinfo=tz)
    with audit.acting_as(name="bench", source="bench"):
        _divisions(tiny)
        places = _places()
        t0 = time.perf_counter()
        steps = _generate(places, events, days, start)
        ctx.record("indicators.build", time.perf_counter() - t0, "s")
    city = Division.objects.filter(level="city").order_by("code").first()
    assert city is not None
    services.indicators_seed(city=city)
    month = period_of("month", (start + dt.timedelta(days=min(days // 2, 200))).date())
    ctx.dataset.update({"indicator_events": events, "indicator_steps": steps, "indicator_towns": len(places),
                        "indicator_month": month.label})

    a, b = month.bounds()
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT e.county_id, e.town_id, s.action, COUNT(DISTINCT s.event_id) FROM events_step s "
                       "JOIN events_event e ON e.id = s.event_id WHERE s.at >= %s AND s.at < %s "
                       "GROUP BY e.county_id, e.town_id, s.action", [a, b])
        cursor.fetchall()
    plain = time.perf_counter() - t0

    t0 = time.perf_counter()
    stored = services.results_compute(division=city, period=month)
    took = time.perf_counter() - t0
    ctx.record(f"indicators_month.{vendor}.time", took, "s", limit=plain, limit_name="plain SQL GROUP BY of the month's steps")
    ctx.record(f"indicators.{vendor}.results", stored, "rows")
    ctx.dataset["indicator_scores"] = Score.objects.filter(period_start=month.start).count()
    assert Result.objects.filter(period_start=month.start).exists()

    samples, bare = [], []
    for _ in range(5 if tiny else 20):
        t0 = time.perf_counter()
        dashboards.data(SYSTEM, city, month)
        samples.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        list(Score.objects.filter(period_kind=month.kind, period_start=month.start,
                                  subject_type=SubjectType.TOWN).order_by("-score").values_list("subject_name", "score"))
        bare.append((time.perf_counter() - t0) * 1000)
    ctx.record(f"dashboard.{vendor}.p50", percentile(samples, 50), "ms", limit=percentile(bare, 50),
               limit_name="one ranking query")
