"""intake.<db>.*: `POST /api/events/` through the production stack (gunicorn, Huey consumers; see
bench/cases/_stack.py), driven by wrk, beside a bare single-insert endpoint on the same stack
measured in the same run.

The case works on this run's copy of the generated dataset (bench/cases/_events_world.py: the
Yangzhou world and a year of events, about 550,000; tiny: two days on the small world), so every
insert lands in tables of a year's size and the duplicate probe reads a year's neighbours. It signs
in through `/api/auth/token/` as a city 12345-hotline account and lets Debian's `wrk` post JSON
reports (`native_script`: a token header, a unique `client_id` per request, points sampled inside
the grids, the classes mapped to matters). Every intake is the real one: locating, routing,
deadline, the event, its first step and their audit rows; whatever background work it queues goes
to the Huey consumers, as in production (today none: the report step notifies no one).

The two endpoints are measured in `TURNS` alternating turns (intake, bare, intake, …; 6 s each in
full runs) after their warm-ups, so that a slow spell of the host weighs on both alike
(`_stack.measure_in_turns`; run one after the other, the ratio moved by ±0.05 between runs).

Figures (each with the bare endpoint's as the limit): `throughput` (events/s), `p50`, `p99` (ms);
`errors` when wrk saw any non-2xx answer or socket error. `cpu.<kind>` (ms per request): the CPU the
gunicorn workers (`web`), the PostgreSQL server (`database`), the Huey consumers (`workers`) and
wrk (`load`) used in the measured run, divided by its requests, and `cpu.all` their sum — on two
cores, 2,000 / `cpu.all` is the throughput the machine allows. Warm-up first (each worker builds its
grid index and loads responsibilities town by town), unmeasured. In full runs, then
`cpu_per_intake` (ms): the same intake in one process under cProfile (`_events_world.py profile`).
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.cases import _events_world, _stack
from bench.run import REPO, Context

BODY = ("string.format('{\"category\":\"%s\",\"lat\":%.6f,\"lng\":%.6f,\"description\":\"基准测试：12345热线转来的问题\","
        "\"channel\":\"hotline\",\"client_id\":\"%s\"}', c, p[1], p[2], id)")


TURNS = 5


def native_script(sample: dict[str, Any], token: str) -> _stack.Script:
    """The platform's own intake as a 12345 hotline system posts it: JSON and a knox token."""
    return _stack.Script(headers={"Content-Type": "application/json", "Authorization": f"Token {token}"}, body=BODY,
                         points=sample["points"], classes=sample["classes"])


def load(ctx: Context) -> tuple[int, int, int, int]:
    """(warm-up s, measured s, wrk threads, connections) of the HTTP cases."""
    return (1, 2, 1, 2) if ctx.tiny else (20, 30, 2, 8)


def preflight(ctx: Context) -> None:
    _stack.preflight(ctx)


def run(ctx: Context) -> None:
    url = _events_world.dataset(ctx)
    sample = _events_world.run_script(url, "sample", "200" if ctx.tiny else "5000")
    warm, seconds, threads, connections = load(ctx)
    db = _stack.DB_NAMES.get(ctx.vendor, ctx.vendor)
    ctx.dataset["intake_load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    stack = _stack.stack(ctx, url)
    token = _stack.token(stack.port, _events_world.BENCH_USER, _events_world.BENCH_PASSWORD)
    script = native_script(sample, token)
    stamp = f"{int(time.time())}"
    results = _stack.measure_in_turns(stack.port, {"intake": "/api/events/", "bare": "/bench/bare-insert/"}, script,
                                      run=f"i{stamp}", warm=warm, seconds=seconds, turns=1 if ctx.tiny else TURNS,
                                      threads=threads, connections=connections)
    intake, bare = results["intake"], results["bare"]
    ctx.dataset.update({"intake_workers": _stack.WEB_WORKERS, "intake_wrk_threads": threads,
                        "intake_turns": intake.get("turns", 1),
                        "intake_connections": connections, "intake_seconds": seconds,
                        "intake_requests": intake["requests"], "intake_bare_requests": bare["requests"],
                        "intake_points": len(sample["points"]), "intake_classes": len(sample["classes"])})

    bare_name = "bare single-insert endpoint, same stack"
    ctx.record(f"intake.{db}.throughput", _stack.rate(intake), "events/s", limit=_stack.rate(bare),
               limit_name=bare_name)
    ctx.record(f"intake.{db}.p50", intake["p50_us"] / 1000, "ms", limit=bare["p50_us"] / 1000, limit_name=bare_name)
    ctx.record(f"intake.{db}.p99", intake["p99_us"] / 1000, "ms", limit=bare["p99_us"] / 1000, limit_name=bare_name)
    # SQLite has no server process: a PostgreSQL server elsewhere on the machine is not this stack's
    kinds = ("web", "database", "workers", "load") if db == "postgres" else ("web", "workers", "load")
    for kind in kinds:
        if intake["cpu_ms"].get(kind):
            ctx.record(f"intake.{db}.cpu.{kind}", intake["cpu_ms"][kind] / intake["requests"], "ms",
                       limit=bare["cpu_ms"].get(kind, 0) / bare["requests"], limit_name=bare_name)
    ctx.record(f"intake.{db}.cpu.all", sum(intake["cpu_ms"].get(k, 0) for k in kinds) / intake["requests"], "ms",
               limit=sum(bare["cpu_ms"].get(k, 0) for k in kinds) / bare["requests"], limit_name=bare_name)
    if not ctx.tiny:
        # where the time goes: the same intake in one process under cProfile (bench/README.md)
        profile = _events_world.run_script(url, "profile", "300")
        ctx.record(f"intake.{db}.cpu_per_intake", profile["cpu_ms_per_intake"], "ms",
                   limit=profile.get("cpu_ms_per_bare"), limit_name="bare single insert, same stack, in process")
        out = Path(os.environ.get("VAR_DIR", REPO / "var")) / "bench" / f"intake-{db}-profile.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(profile["top"], encoding="utf-8")
        print(f"  profile written to {out}")
    if _stack.errors(intake) or _stack.errors(bare):
        ctx.record(f"intake.{db}.errors", _stack.errors(intake), "requests", limit=_stack.errors(bare),
                   limit_name="errors on the bare endpoint")
