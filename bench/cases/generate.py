"""generate.*: the bulk event generator (events.generator, as `manage.py generate_events` and the
demo run it) on the Yangzhou world: one whole day at Yangzhou's rate (about 1,500 events with
their full lifecycles, steps and audit rows), `generate.rate` in events per second.

Limit beside it: the insert part of the same run alone (events and steps written, no planning,
no audit), i.e. what the generator could reach if walking the lifecycles and auditing were free.
The world lives in the events benchmarks' own database (bench/cases/_events_world.py)."""
from __future__ import annotations

import os

from bench.cases import _events_world
from bench.run import Context


def run(ctx: Context) -> None:
    from events.generator import DEFAULT_RATE

    url = _events_world.ensure(ctx)
    days, rate = 1, (150 if ctx.tiny else DEFAULT_RATE)
    ctx.dataset["generate_load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    stats = _events_world.run_script(url, "generate", str(days), str(rate))
    ctx.dataset["generate_days"] = days
    ctx.dataset["generate_rate_asked"] = rate
    ctx.dataset["generate_events"] = stats["events"]
    ctx.dataset["generate_steps"] = stats["steps"]
    ctx.dataset["generate_audit_rows"] = stats["audit_rows"]
    parts = stats["parts"]
    insert_rate = stats["events"] / parts["insert"] if parts.get("insert") else 0.0
    ctx.record("generate.rate", stats["rate"], "events/s", limit=insert_rate or None,
               limit_name="the same rows' insert alone (events, steps; no planning, no audit)")
    for part in ("plan", "insert", "audit"):
        ctx.record(f"generate.{part}.time", parts.get(part, 0.0), "s")
