"""open311.<db>.*: Open311 `POST /open311/v2/requests.json` through gunicorn, driven by wrk, beside the
platform's own intake endpoint `POST /api/events/` on the same stack in the same run.

The case posts through the run's production stack (bench/cases/_stack.py: gunicorn's 3 sync
workers on a free loopback port and the Huey consumers, shared with the intake case) on this run's
copy of the generated dataset (bench/cases/_events_world.py: the Yangzhou world and 365 days of
events) and lets Debian's `wrk` post, with the same connections
and threads, first to the native endpoint (JSON, `Authorization: Token …` of a city 12345 account,
as the intake case does), then to Open311 as GeoReport v2 clients post: form-encoded, `api_key` in
the body — a key of the city with `events:create` (issued in the copy through
`sharing.services.apikey_create`, 100,000 calls a minute) — `service_code`, `lat`/`long` sampled
inside the grids, a `description` and a unique `client_id` (the idempotency token; the native
requests carry one too). Both end in `events.services.event_report`; Open311 adds its key check
(a SHA-512 digest and one query), the rate window upsert, the call log row and its own answer.

Figures: `open311.<db>.throughput` (requests/s), `open311.<db>.p50`, `open311.<db>.p99` (ms), each
with the native endpoint's figure of the same run as the limit (`intake.<db>.throughput` …, named
so); `open311.<db>.errors` only when wrk saw a non-2xx answer or a socket error. Each endpoint gets
an unmeasured warm-up first. The load average when the case started is in the result's `dataset`.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.cases import _events_world, _stack, intake

REPO = Path(__file__).resolve().parents[2]
DESCRIPTION = quote("基准测试：Open311 客户端上报的问题")


def open311_script(sample: dict[str, Any], key: str) -> _stack.Script:
    """GeoReport v2 as its clients post it: form-encoded, the key in the body."""

    body = ('string.format("api_key=%s&service_code=%s&lat=%.6f&long=%.6f&description=%s&client_id=%s", '
            f"{_stack.lua_string(key)}, c, p[1], p[2], {_stack.lua_string(DESCRIPTION)}, id)")
    return _stack.Script(headers={"Content-Type": "application/x-www-form-urlencoded"}, body=body,
                         points=sample["points"], classes=sample["classes"])


def preflight(ctx: Any) -> None:
    _stack.preflight(ctx)


def run(ctx: Any) -> None:
    url = _events_world.dataset(ctx)
    sample = _events_world.run_script(url, "sample", "200" if ctx.tiny else "5000")
    issued = json.loads(subprocess.run([sys.executable, __file__, "key"], env=_events_world.env_for(url), cwd=REPO,
                                       check=True, capture_output=True, text=True, timeout=600
                                       ).stdout.strip().splitlines()[-1])
    warm, seconds, threads, connections = intake.load(ctx)
    db = _stack.DB_NAMES.get(ctx.vendor, ctx.vendor)
    load = [round(x, 2) for x in os.getloadavg()]
    stack = _stack.stack(ctx, url)
    token = _stack.token(stack.port, _events_world.BENCH_USER, _events_world.BENCH_PASSWORD)
    stamp = f"{int(time.time())}"
    results = {kind: _stack.measure(stack.port, path, script, run=f"o311{kind}-{stamp}", warm=warm, seconds=seconds,
                                    threads=threads, connections=connections)
               for kind, path, script in (("native", "/api/events/", intake.native_script(sample, token)),
                                          ("open311", "/open311/v2/requests.json",
                                           open311_script(sample, issued["key"])))}
    o311, native = results["open311"], results["native"]
    ctx.dataset["open311"] = {"load_average_before": load, "workers": _stack.WEB_WORKERS, "wrk_threads": threads,
                              "connections": connections, "seconds": seconds, "requests": o311["requests"],
                              "native_requests": native["requests"]}

    native_name = f"intake.{db}.%s (POST /api/events/, same stack, same run)"
    ctx.record(f"open311.{db}.throughput", _stack.rate(o311), "requests/s", limit=_stack.rate(native),
               limit_name=native_name % "throughput")
    ctx.record(f"open311.{db}.p50", o311["p50_us"] / 1000, "ms", limit=native["p50_us"] / 1000,
               limit_name=native_name % "p50")
    ctx.record(f"open311.{db}.p99", o311["p99_us"] / 1000, "ms", limit=native["p99_us"] / 1000,
               limit_name=native_name % "p99")
    if _stack.errors(o311) or _stack.errors(native):
        ctx.record(f"open311.{db}.errors", _stack.errors(o311), "requests", limit=_stack.errors(native),
                   limit_name="errors on the native endpoint")


# ---------------------------------------------------------------- the child process

def _key() -> dict[str, str]:
    """A key of the city (events:create), issued by the benchmark's city command account."""
    from accounts.models import User
    from divisions.models import Division
    from sharing import services

    issuer = User.objects.get(username=_events_world.BENCH_USER)
    city = Division.objects.get(code=issuer.division_id)
    issued = services.apikey_create(user=issuer, name=f"bench-open311-{time.time_ns()}", division=city,
                                    scopes=["events:create"], rate_per_minute=100_000)
    return {"key": issued.text}


def main(argv: list[str]) -> None:
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()
    if argv[0] != "key":
        raise SystemExit(f"unknown command {argv[0]}")
    print(json.dumps(_key()))


if __name__ == "__main__":
    main(sys.argv[1:])
