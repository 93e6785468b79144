"""generate.*: the bulk event generator (events.generator, as `manage.py generate_events` and the
demo run it) on the Yangzhou world.

- `generate.rate` (events/s): one whole day at Yangzhou's rate (about 1,500 events with their full
  lifecycles and steps, one audit summary row) in the events benchmarks' own database
  (bench/cases/_events_world.py), beside, as the limit, the same rows' write alone (`insert`:
  events, steps and the rest written by the writer thread, no planning); `generate.plan.time`,
  `generate.insert.time` (s, wall; the writer runs beside the planning) and `generate.cpu` (s of
  CPU of the generating process: the figure that does not depend on the machine's load).
- The year's dataset the run works on (bench/dataset.py; made before the run, or `BENCH_DATASET_URL`),
  its own generation as well:
  `generate.year.<db>.time` (s, wall: ≥ 1,000,000 events over 365 days; target well under 15
  minutes on PostgreSQL), `.rate` (events/s), `.cpu` (s, the generating process) and
  `.server_cpu` (s, the bench's own PostgreSQL server) — with the load average around it in the
  result's dataset.
"""
from __future__ import annotations

import os

from bench.cases import _events_world
from bench.run import Context


def run(ctx: Context) -> None:
    from django.db import connection

    from bench import dataset
    from events.generator import DEFAULT_RATE

    url = _events_world.ensure(ctx)
    days, rate = 1, (150 if ctx.tiny else DEFAULT_RATE)
    ctx.dataset["generate_load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    stats = _events_world.run_script(url, "generate", str(days), str(rate))
    ctx.dataset["generate_load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    ctx.dataset["generate_days"] = days
    ctx.dataset["generate_rate_asked"] = rate
    ctx.dataset["generate_events"] = stats["events"]
    ctx.dataset["generate_steps"] = stats["steps"]
    ctx.dataset["generate_audit_rows"] = stats["audit_rows"]
    parts = stats["parts"]
    insert_rate = stats["events"] / parts["insert"] if parts.get("insert") else 0.0
    ctx.record("generate.rate", stats["rate"], "events/s", limit=insert_rate or None,
               limit_name="the same rows' write alone (events, steps, marks, calls; no planning)")
    for part in ("plan", "insert"):
        ctx.record(f"generate.{part}.time", parts.get(part, 0.0), "s")
    ctx.record("generate.cpu", stats["cpu"], "s")

    # the year's dataset of this run (copied by an earlier case), else the one BENCH_DATASET_URL names
    prepared = None if ctx.tiny else dataset.prepared()
    info = None if ctx.tiny else ctx.dataset.get("events_dataset") or (dataset.info(prepared) if prepared else None)
    if info:
        vendor = "postgres" if connection.vendor == "postgresql" else connection.vendor
        ctx.dataset[f"generate_year_{vendor}"] = info
        ctx.record(f"generate.year.{vendor}.time", info["generate_wall_s"], "s")
        ctx.record(f"generate.year.{vendor}.rate", info["events"] / info["generate_wall_s"], "events/s")
        ctx.record(f"generate.year.{vendor}.cpu", info["generate_cpu_s"], "s")
        if info.get("server_cpu_s") is not None:
            ctx.record(f"generate.year.{vendor}.server_cpu", info["server_cpu_s"], "s")
