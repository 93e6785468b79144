"""open311.<db>.*: Open311 `POST /open311/v2/requests.json` through gunicorn, driven by wrk, beside the
platform's own intake endpoint `POST /api/events/` on the same stack in the same run.

The case starts gunicorn (bench/cases/intake.py's: `WORKERS` sync workers on a free loopback port,
the platform's settings) on this run's copy of the generated dataset (bench/cases/_events_world.py:
the Yangzhou world and 365 days of events) and lets Debian's `wrk` post, with the same connections
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
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
DB_NAMES = {"postgresql": "postgres", "sqlite": "sqlite"}

LUA = r"""
local points = %(points)s
local classes = %(classes)s
local run = "%(run)s"
local key = "%(key)s"
local description = "%(description)s"
local counter = 0
local count = 0

function setup(thread)
  count = count + 1
  thread:set("tid", count)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  local t = tid or 0
  local p = points[(counter * 7919 + t * 104729) %% #points + 1]
  local c = classes[(counter + t) %% #classes + 1]
  local body = string.format("api_key=%%s&service_code=%%s&lat=%%.6f&long=%%.6f&description=%%s&client_id=%%s-%%d-%%d",
    key, c, p[1], p[2], description, run, t, counter)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%%d,"duration_us":%%d,"status_errors":%%d,"socket_errors":%%d,' ..
    '"timeouts":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"mean_us":%%.1f,"max_us":%%d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


def _script(folder: Path, sample: dict[str, Any], key: str, run: str) -> Path:
    points = "{" + ",".join(f"{{{lat:.6f},{lng:.6f}}}" for lat, lng in sample["points"]) + "}"
    classes = "{" + ",".join(f'"{c}"' for c in sample["classes"]) + "}"
    path = folder / f"{run}.lua"
    path.write_text(LUA % {"points": points, "classes": classes, "run": run, "key": key,
                           "description": quote("基准测试：Open311 客户端上报的问题")}, encoding="utf-8")
    return path


def run(ctx: Any) -> None:
    from bench.cases import _events_world, intake

    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk; ./test installs it)")
    url = _events_world.dataset(ctx)
    sample = _events_world.run_script(url, "sample", "200" if ctx.tiny else "5000")
    issued = json.loads(subprocess.run([sys.executable, __file__, "key"], env=_events_world.env_for(url), cwd=REPO,
                                       check=True, capture_output=True, text=True, timeout=600
                                       ).stdout.strip().splitlines()[-1])
    warm, seconds = (1, 2) if ctx.tiny else (20, 30)
    threads, connections = (1, 2) if ctx.tiny else (2, 8)
    db = DB_NAMES.get(ctx.vendor, ctx.vendor)
    load = [round(x, 2) for x in os.getloadavg()]
    port = intake._free_port()
    proc = intake._start(url, port)
    try:
        token = intake._token(port, _events_world.BENCH_USER, _events_world.BENCH_PASSWORD)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            stamp = f"{int(time.time())}"
            results = {}
            for kind, path, script in (
                    ("native", "/api/events/", lambda run: intake._script(folder, sample, token, run)),
                    ("open311", "/open311/v2/requests.json", lambda run: _script(folder, sample, issued["key"], run))):
                intake._wrk(port, path, script(f"o311{kind}-warm-{stamp}"), warm, threads, connections)
                results[kind] = intake._wrk(port, path, script(f"o311{kind}-{stamp}"), seconds, threads, connections)
    finally:
        intake._stop(proc)
    o311, native = results["open311"], results["native"]
    ctx.dataset["open311"] = {"load_average_before": load, "workers": intake.WORKERS, "wrk_threads": threads,
                              "connections": connections, "seconds": seconds, "requests": o311["requests"],
                              "native_requests": native["requests"]}

    native_name = f"intake.{db}.%s (POST /api/events/, same stack, same run)"
    ctx.record(f"open311.{db}.throughput", intake.rate(o311), "requests/s", limit=intake.rate(native),
               limit_name=native_name % "throughput")
    ctx.record(f"open311.{db}.p50", o311["p50_us"] / 1000, "ms", limit=native["p50_us"] / 1000,
               limit_name=native_name % "p50")
    ctx.record(f"open311.{db}.p99", o311["p99_us"] / 1000, "ms", limit=native["p99_us"] / 1000,
               limit_name=native_name % "p99")
    errors = {k: r["status_errors"] + r["socket_errors"] + r["timeouts"] for k, r in results.items()}
    if any(errors.values()):
        ctx.record(f"open311.{db}.errors", errors["open311"], "requests", limit=errors["native"],
                   limit_name="errors on the native endpoint")


# ---------------------------------------------------------------- the child process

def _key() -> dict[str, str]:
    """A key of the city (events:create), issued by the benchmark's city command account."""
    from accounts.models import User
    from bench.cases import _events_world
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
