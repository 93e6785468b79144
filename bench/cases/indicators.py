"""indicators.*: every indicator for every subject for one month (assess.services.results_compute,
set-based), beside a plain SQL aggregate of the same month's step facts measured in the same run; and
the leader dashboard's data (dashboard.<db>.p50) beside one ranking query.

Data: this run's copy of the generated dataset (bench/cases/_events_world.py: the Yangzhou world —
real division tree, bodies, catalog, 6,232 grids and their teams — and a year of events with their
whole step histories, about 550,000; tiny: two days on the small world). The month measured is the
one in the middle of the dataset's steps.

Figures: `indicators_month.<db>.time` (s) beside `SELECT county, town, action, COUNT(DISTINCT event) …
GROUP BY` of the month's steps measured in the same run, `.cpu` (the child's CPU plus, on the bench's
own PostgreSQL server, the server's — the figure to trust on a loaded machine), `.facts_time` (the
aggregate queries' share), `indicators.<db>.results` (rows stored), `dashboard.<db>.p50` (ms) beside
a plain aggregate of the month's events by town. The dataset records the load average around the
measurement and the slowest facts. The measuring runs in a child process on the run's copy
(`python bench/cases/indicators.py measure`), its last output line JSON; it first deletes the
month's stored results and scores, so a rerun on a prepared dataset measures a first computation.
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


def run(ctx: Context) -> None:
    from django.db import connection

    vendor = "postgres" if connection.vendor == "postgresql" else connection.vendor
    url = _events_world.dataset(ctx)
    ctx.dataset[f"indicators_{vendor}_load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    out = subprocess.run([sys.executable, __file__, "measure", "5" if ctx.tiny else "20"],
                         env=_events_world.env_for(url), cwd=REPO, check=True, capture_output=True, text=True,
                         timeout=3 * 3600)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    ctx.dataset[f"indicators_{vendor}_load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    ctx.dataset.update({"indicator_month": m["month"], "indicator_month_steps": m["month_steps"],
                        "indicator_month_events": m["month_events"], "indicator_scores": m["scores"],
                        f"indicators_{vendor}_slowest_facts_s": m["slowest_facts"],
                        f"indicators_{vendor}_fact_queries": m["fact_queries"]})
    ctx.record(f"indicators_month.{vendor}.time", m["compute_s"], "s", limit=m["plain_s"],
               limit_name="plain SQL GROUP BY of the month's steps (same run)")
    ctx.record(f"indicators_month.{vendor}.cpu", m["compute_cpu_s"], "s", limit=m["plain_cpu_s"],
               limit_name="the plain aggregate's CPU (client + database server)")
    ctx.record(f"indicators_month.{vendor}.facts_time", m["facts_s"], "s")
    ctx.record(f"indicators.{vendor}.results", m["results"], "rows")
    ctx.record(f"dashboard.{vendor}.p50", m["dashboard_p50_ms"], "ms", limit=m["plain_agg_p50_ms"],
               limit_name="plain SQL aggregate of the month's events by town (closed, closed on time)")
    ctx.record(f"dashboard.{vendor}.ranking_query.p50", m["ranking_p50_ms"], "ms")


# ---------------------------------------------------------------- the child process

def _cpu() -> float:
    """CPU seconds of this process plus the database server's, when the server is the bench's own
    (bench/dataset.py `_server_cpu`, `BENCH_PGDATA`)."""
    from django.db import connection

    from bench.dataset import _server_cpu

    server = _server_cpu("postgres") if connection.vendor == "postgresql" else 0.0
    return time.process_time() + (server or 0.0)


def _measure(samples: int) -> dict[str, Any]:
    from types import SimpleNamespace

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from assess import dashboards, facts, services
    from assess.choices import SubjectType
    from assess.models import Score
    from assess.periods import period_of
    from divisions.models import Division
    from events.models import Step

    call_command("migrate", verbosity=0)  # a prepared dataset may predate the last migrations
    city = Division.objects.filter(level="city").order_by("code").first()
    assert city is not None
    services.indicators_seed(city=city)
    first = Step.objects.order_by("at").values_list("at", flat=True).first() or timezone.now()
    last = Step.objects.order_by("-at").values_list("at", flat=True).first() or timezone.now()
    month = period_of("month", timezone.localtime(first + (last - first) / 2).date())   # the month in the middle
    a, b = month.bounds()
    with connection.cursor() as cursor:  # a rerun on a prepared dataset measures a first computation again
        cursor.execute("DELETE FROM assess_score WHERE period_kind = %s AND period_start = %s", [month.kind, month.start])
        cursor.execute("DELETE FROM assess_result WHERE period_kind = %s AND period_start = %s",
                       [month.kind, month.start])

    t0, c0 = time.perf_counter(), _cpu()
    with connection.cursor() as cursor:
        cursor.execute("SELECT e.county_id, e.town_id, s.action, COUNT(DISTINCT s.event_id) FROM events_step s "
                       "JOIN events_event e ON e.id = s.event_id WHERE s.at >= %s AND s.at < %s "
                       "GROUP BY e.county_id, e.town_id, s.action", [a, b])
        rows = cursor.fetchall()
    plain, plain_cpu = time.perf_counter() - t0, _cpu() - c0

    spent: dict[str, float] = {}
    queries = 0
    originals = {"counts": facts.counts, "counts_by_county": facts.counts_by_county}

    def timer(name: str) -> Any:
        def timed(code: str, window: Any, subject_type: str) -> Any:
            nonlocal queries
            started = time.perf_counter()
            try:
                return originals[name](code, window, subject_type)
            finally:
                spent[code] = spent.get(code, 0.0) + time.perf_counter() - started
                queries += 1
        return timed

    facts.counts, facts.counts_by_county = timer("counts"), timer("counts_by_county")
    t0, c0 = time.perf_counter(), _cpu()
    try:
        stored = services.results_compute(division=city, period=month)
    finally:
        facts.counts, facts.counts_by_county = originals["counts"], originals["counts_by_county"]  # type: ignore[assignment]
    compute, compute_cpu = time.perf_counter() - t0, _cpu() - c0

    system = SimpleNamespace(is_authenticated=True, is_superuser=True, division_id=None, roles=[], pk=None)
    dash, bare, plain_agg = [], [], []
    for _ in range(samples):
        t0 = time.perf_counter()
        dashboards.data(system, city, month)
        dash.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        list(Score.objects.filter(period_kind=month.kind, period_start=month.start, subject_type=SubjectType.TOWN)
             .order_by("-score").values_list("subject_name", "score"))
        bare.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT town_id, COUNT(*), SUM(CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END) "
                           "FROM events_event WHERE closed_at >= %s AND closed_at < %s GROUP BY town_id", [a, b])
            cursor.fetchall()
        plain_agg.append((time.perf_counter() - t0) * 1000)
    month_events = Step.objects.filter(action="report", at__gte=a, at__lt=b).count()
    slowest = sorted(spent.items(), key=lambda kv: -kv[1])[:12]
    return {"month": month.label, "month_steps": sum(r[3] for r in rows), "month_events": month_events,
            "plain_s": plain, "plain_cpu_s": plain_cpu, "compute_s": compute, "compute_cpu_s": compute_cpu,
            "facts_s": sum(spent.values()), "fact_queries": queries,
            "slowest_facts": [[code, round(sec, 2)] for code, sec in slowest],
            "results": stored, "scores": Score.objects.filter(period_start=month.start).count(),
            "dashboard_p50_ms": percentile(dash, 50), "ranking_p50_ms": percentile(bare, 50),
            "plain_agg_p50_ms": percentile(plain_agg, 50)}


def main(argv: list[str]) -> None:
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()
    if argv[0] != "measure":
        raise SystemExit(f"unknown command {argv[0]}")
    print(json.dumps(_measure(int(argv[1])), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
