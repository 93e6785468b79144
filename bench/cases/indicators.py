"""indicators.*: every indicator for every subject for one month (assess.services.results_compute,
set-based), beside a plain SQL aggregate of the same month's step facts measured in the same run; and
the leader dashboard's data (dashboard.<db>.p50) beside one ranking query.

Data: the events generator (events.generator, as `manage.py generate_events --days 365` runs it) at a
higher rate — `BENCH_INDICATOR_DAYS` (365) days at `BENCH_INDICATOR_RATE` (2,800) events a day, about
1,020,000 events with their whole step histories — on the Yangzhou world (real division tree, bodies,
catalog, 6,232 grids and their teams), built by bench/cases/_events_world.py in a private database of
this case's own (`…-indicators.sqlite3` / `<db>_indicators`), so the other events cases keep their
figures. Tiny: the events tests' world, 40 days at 10 a day.

Figures: `indicators_month.<db>.time` (s) beside `SELECT county, town, action, COUNT(DISTINCT event) …
GROUP BY` of the month's steps, `indicators.<db>.results` (rows stored), `dashboard.<db>.p50` (ms).
The measuring runs in a child process on the private database (`python bench/cases/indicators.py
measure`), its last output line JSON.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.cases import _events_world
from bench.run import Context, percentile

REPO = Path(__file__).resolve().parents[2]


def _database(ctx: Context) -> str:
    main = os.environ["DATABASE_URL"]
    url = _events_world.database_url(main)
    url = url.replace("-events.sqlite3", "-indicators.sqlite3") if url.startswith("sqlite") else \
        url[: -len("_events")] + "_indicators"
    _events_world._recreate(url, main)
    built = _events_world.run_script(url, "build", *(["--tiny"] if ctx.tiny else []))
    ctx.dataset["indicator_world"] = built["world"]
    return url


def run(ctx: Context) -> None:
    from django.db import connection

    vendor = "postgres" if connection.vendor == "postgresql" else connection.vendor
    days = 40 if ctx.tiny else int(os.environ.get("BENCH_INDICATOR_DAYS", "365"))
    rate = 10 if ctx.tiny else float(os.environ.get("BENCH_INDICATOR_RATE", "2800"))
    url = _database(ctx)
    started = time.perf_counter()
    stats = _events_world.run_script(url, "generate", str(days), str(rate), timeout=6 * 3600)
    ctx.record("indicators.generate", time.perf_counter() - started, "s")
    ctx.dataset.update({"indicator_days": days, "indicator_rate": rate, "indicator_events": stats["events"],
                        "indicator_steps": stats["steps"]})
    out = subprocess.run([sys.executable, __file__, "measure", "5" if ctx.tiny else "20"],
                         env=_events_world.env_for(url), cwd=REPO, check=True, capture_output=True, text=True,
                         timeout=3 * 3600)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    ctx.dataset.update({"indicator_month": m["month"], "indicator_month_steps": m["month_steps"],
                        "indicator_scores": m["scores"]})
    ctx.record(f"indicators_month.{vendor}.time", m["compute_s"], "s", limit=m["plain_s"],
               limit_name="plain SQL GROUP BY of the month's steps")
    ctx.record(f"indicators.{vendor}.results", m["results"], "rows")
    ctx.record(f"dashboard.{vendor}.p50", m["dashboard_p50_ms"], "ms", limit=m["ranking_p50_ms"],
               limit_name="one ranking query")


# ---------------------------------------------------------------- the child process

def _measure(samples: int) -> dict[str, Any]:
    from types import SimpleNamespace

    from django.db import connection
    from django.utils import timezone

    from assess import dashboards, services
    from assess.choices import SubjectType
    from assess.models import Score
    from assess.periods import period_of
    from divisions.models import Division
    from events.models import Step

    city = Division.objects.filter(level="city").order_by("code").first()
    assert city is not None
    services.indicators_seed(city=city)
    first = Step.objects.order_by("at").values_list("at", flat=True).first() or timezone.now()
    last = Step.objects.order_by("-at").values_list("at", flat=True).first() or timezone.now()
    month = period_of("month", timezone.localtime(first + (last - first) / 2).date())   # the month in the middle
    a, b = month.bounds()

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT e.county_id, e.town_id, s.action, COUNT(DISTINCT s.event_id) FROM events_step s "
                       "JOIN events_event e ON e.id = s.event_id WHERE s.at >= %s AND s.at < %s "
                       "GROUP BY e.county_id, e.town_id, s.action", [a, b])
        rows = cursor.fetchall()
    plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    stored = services.results_compute(division=city, period=month)
    compute = time.perf_counter() - t0

    system = SimpleNamespace(is_authenticated=True, is_superuser=True, division_id=None, roles=[], pk=None)
    dash, bare = [], []
    for _ in range(samples):
        t0 = time.perf_counter()
        dashboards.data(system, city, month)
        dash.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        list(Score.objects.filter(period_kind=month.kind, period_start=month.start, subject_type=SubjectType.TOWN)
             .order_by("-score").values_list("subject_name", "score"))
        bare.append((time.perf_counter() - t0) * 1000)
    return {"month": month.label, "month_steps": sum(r[3] for r in rows), "plain_s": plain, "compute_s": compute,
            "results": stored, "scores": Score.objects.filter(period_start=month.start).count(),
            "dashboard_p50_ms": percentile(dash, 50), "ranking_p50_ms": percentile(bare, 50)}


def main(argv: list[str]) -> None:
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()
    if argv[0] != "measure":
        raise SystemExit(f"unknown command {argv[0]}")
    print(json.dumps(_measure(int(argv[1])), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
