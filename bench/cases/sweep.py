"""sweep.*: the deadline sweep (`events.services.sweep.deadlines_sweep`) over the 365-day generated
dataset, beside a plain SQL UPDATE of the same rows measured in the same run.

Data: this run's copy of the generated dataset (`bench/cases/_events_world.py`: the Yangzhou world
and `manage.py generate_events --days 365`, about 550,000 events with their lifecycles, marks,
escalations and calls). On top of it, `BENCH_SWEEP_EVENTS` (default 2,500; tiny 40) open, not
suspended town and county events whose escalation is still ahead are made overdue — their warning
point two hours ago, their deadline and escalation time a few minutes ago (one plain UPDATE, not
measured) — topped up with reports through the real intake if the dataset has too few. An
unmeasured sweep at `now − 30 min` first writes their yellow marks and whatever the dataset itself
has come to owe since it was generated (as the sweep running every minute would have), then the
measured sweep at `now` writes their red marks and escalates them: issue 9 asks ≥ 2,000 events
escalated in the measured sweep.

Figures (`<db>` = sqlite or postgres), computed in a child process on the copy (this module as a
script):
- `sweep.<db>.time` (s): the measured `deadlines_sweep` — red marks, the escalation's compare-and-set
  `UPDATE … RETURNING`, escalation rows, steps, audit and outbox rows, each phase committed — with
  the limit `UPDATE events_event SET level = …, version = version + 1 WHERE id IN (…)` of the same
  rows (rolled back, measured just before);
- `sweep.<db>.cpu` (s): the CPU time of the sweeping process during that sweep (the database
  server's own time is not in it): the figure that does not depend on what else the machine runs;
- `sweep.postgres.db_cpu` (s): the CPU time of the sweep's PostgreSQL backend during the sweep (read
  from /proc when the server runs on this machine: the bench's own server), beside the backend's CPU
  for the plain UPDATE; `sweep.postgres.total_cpu`: both CPU figures added, against the 1 s target —
  on a machine shared with other work the wall time is mostly waiting for a core;
- `sweep.<db>.escalated`: events escalated by the measured sweep; `sweep.<db>.red`: red marks it wrote;
- `sweep.<db>.again` (s): a second sweep right after, with nothing left to do (the cost of the
  every-minute sweep on a quiet minute, over the whole dataset).
The load average when the case started is in the result's `dataset`.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DB_NAMES = {"postgresql": "postgres", "sqlite": "sqlite"}


def run(ctx: Any) -> None:
    from bench.cases import _events_world

    url = _events_world.dataset(ctx)
    n = int(os.environ.get("BENCH_SWEEP_EVENTS", 0)) or (40 if ctx.tiny else 2500)
    load = [round(x, 2) for x in os.getloadavg()]
    out = subprocess.run([sys.executable, __file__, str(n)], env=_events_world.env_for(url), cwd=REPO, check=True,
                         capture_output=True, text=True, timeout=3600)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    db = DB_NAMES.get(ctx.vendor, ctx.vendor)
    ctx.dataset["sweep"] = {"load_average_before": load, **result["data"]}
    ctx.record(f"sweep.{db}.time", result["time"], "s", limit=result["plain"],
               limit_name="plain SQL UPDATE of the same rows (level, version), same run")
    ctx.record(f"sweep.{db}.cpu", result["cpu"], "s")
    if result["db_cpu"] is not None:
        ctx.record(f"sweep.{db}.db_cpu", result["db_cpu"], "s", limit=result["plain_db_cpu"],
                   limit_name="the database server's CPU for the plain SQL UPDATE")
        ctx.record(f"sweep.{db}.total_cpu", result["cpu"] + result["db_cpu"], "s", limit=1.0,
                   limit_name="issue 9 target for the sweep's time")
    ctx.record(f"sweep.{db}.escalated", result["escalated"], "events")
    ctx.record(f"sweep.{db}.red", result["red"], "marks")
    ctx.record(f"sweep.{db}.again", result["again"], "s")


# ---------------------------------------------------------------- the child process

def _overdue(n: int, now: Any) -> tuple[list[int], int]:
    """`n` open, not suspended town/county events made overdue (their ids), and how many of them had
    to be reported first because the dataset had too few."""
    import datetime as dt

    from django.db import connection, transaction

    from events.choices import Level
    from events.lifecycle import State, StateKind
    from events.models import Event

    candidates = (Event.objects.filter(state_kind=StateKind.OPEN, level__in=(Level.TOWN, Level.COUNTY),
                                       escalate_at__gte=now).exclude(state=State.SUSPENDED).order_by("escalate_at")
                  .values_list("pk", flat=True))
    ids = list(candidates[:n])
    reported: list[int] = []
    for _ in range(5):  # a report routed to the city (the top) cannot escalate: report again
        if len(ids) >= n:
            break
        reported += _report(n - len(ids), now)
        ids = list(candidates[:n])
    reported = sorted(set(reported) & set(ids))
    table = connection.ops.quote_name(Event._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        for minutes in range(1, 11):  # deadlines spread over the last ten minutes
            part = ids[minutes - 1::10]
            if part:
                cursor.execute(f"UPDATE {table} SET warn_at = %s, due_at = %s, escalate_at = %s "
                               f"WHERE id IN ({', '.join(['%s'] * len(part))})",
                               [adapt(now - dt.timedelta(hours=2)), adapt(now - dt.timedelta(minutes=minutes)),
                                adapt(now - dt.timedelta(minutes=minutes)), *part])
    return ids, len(reported)


def _report(count: int, now: Any) -> list[int]:
    """Reports through the real intake (the tiny dataset has too few open events)."""
    import random

    from accounts.models import User
    from bench.cases import _events_world
    from events.services import event_report

    user = User.objects.get(username=_events_world.BENCH_USER)
    sample = _events_world._sample(50)
    rng = random.Random(9)
    ids = []
    for i in range(count):
        lat, lng = sample["points"][rng.randrange(len(sample["points"]))]
        result = event_report(user=user, channel="hotline", description=f"基准：超期事件 {i}",
                              category=sample["classes"][i % len(sample["classes"])], lat=lat, lng=lng,
                              client_id=f"bench-sweep-{time.time_ns()}-{i}")
        ids.append(result.event.pk)
    return ids


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, read from /proc when the
    server runs on this machine and is readable (the bench's own server); None otherwise."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _plain(ids: list[int]) -> float:
    from django.db import connection, transaction

    from events.models import Event

    table = connection.ops.quote_name(Event._meta.db_table)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(ids), 1000):
            part = ids[i:i + 1000]
            cursor.execute(f"UPDATE {table} SET level = CASE WHEN level = 'town' THEN 'county' ELSE 'city' END, "
                           f"version = version + 1 WHERE id IN ({', '.join(['%s'] * len(part))})", part)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def main(argv: list[str]) -> None:
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()
    import datetime as dt

    from django.test.utils import override_settings
    from django.utils import timezone

    from core import audit
    from events.lifecycle import StateKind
    from events.models import Event
    from events.services.sweep import deadlines_sweep

    n = int(argv[0])
    now = timezone.now()
    with audit.acting_as(name="bench", source="bench"):
        ids, reported = _overdue(n, now)
    # The harness runs Huey immediately, so a commit's dispatch request would deliver the outbox
    # inline; in production it is a queued task. Measured without it (delivery: bench/cases/outbox.py).
    with override_settings(OUTBOX_KICK=False):
        before = deadlines_sweep(now=now - dt.timedelta(minutes=30))
        server = _backend_cpu()
        plain = _plain(ids)
        plain_server = _backend_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        result = deadlines_sweep(now=now)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        sweep_server = _backend_cpu()
        started = time.perf_counter()
        again = deadlines_sweep(now=now)
        idle = time.perf_counter() - started
    assert not again.escalated, "a second sweep escalated again"
    missed = set(ids) - set(result.escalated)
    data = {"events": Event.objects.count(), "open_events": Event.objects.filter(state_kind=StateKind.OPEN).count(),
            "made_overdue": len(ids), "reported_for_it": reported, "not_escalated_of_those": len(missed),
            "warm_up_sweep": before.summary(), "measured_sweep": result.summary()}
    db_cpu = plain_db_cpu = None
    if server is not None and plain_server is not None and sweep_server is not None:
        db_cpu, plain_db_cpu = sweep_server - plain_server, plain_server - server
    print(json.dumps({"time": elapsed, "cpu": cpu, "db_cpu": db_cpu, "plain_db_cpu": plain_db_cpu, "plain": plain,
                      "again": idle, "escalated": len(result.escalated), "red": len(result.red), "data": data}))


if __name__ == "__main__":
    main(sys.argv[1:])
