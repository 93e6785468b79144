"""intake.<db>.*: `POST /api/events/` through gunicorn, driven by wrk, beside a bare single-insert
endpoint on the same stack measured in the same run.

The case starts gunicorn (`WORKERS` sync workers, a free loopback port) on the events benchmarks'
own database (the Yangzhou world, bench/cases/_events_world.py) with the bench-only settings
(bench/cases/_intake_settings.py: the platform's settings plus `POST /bench/bare-insert/`), signs
in through `/api/auth/token/` as a city 12345-hotline account and lets Debian's `wrk` post JSON
reports (a Lua script: a token header, a unique `client_id` per request, points sampled inside
the grids, the classes mapped to matters). Every intake is the real one: locating, routing,
deadline, the event, its first step and their audit rows (and whatever part 2 adds to intake).

Figures (each with the bare endpoint's as the limit): `throughput` (events/s), `p50`, `p99` (ms);
`errors` when wrk saw any non-2xx answer or socket error. Warm-up first (each worker builds its
grid index and loads responsibilities town by town), unmeasured.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.cases import _events_world
from bench.run import REPO, Context

WORKERS = 3
DB_NAMES = {"postgresql": "postgres", "sqlite": "sqlite"}

LUA = r"""
local points = %(points)s
local classes = %(classes)s
local run = "%(run)s"
local token = "%(token)s"
local counter = 0
local count = 0

function setup(thread)
  count = count + 1
  thread:set("tid", count)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Token " .. token
end

function request()
  counter = counter + 1
  local t = tid or 0
  local p = points[(counter * 7919 + t * 104729) %% #points + 1]
  local c = classes[(counter + t) %% #classes + 1]
  local body = string.format('{"category":"%%s","lat":%%.6f,"lng":%%.6f,"description":"基准测试：12345热线转来的问题",' ..
    '"channel":"hotline","client_id":"%%s-%%d-%%d"}', c, p[1], p[2], run, t, counter)
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**_events_world.env_for(url), "DJANGO_SETTINGS_MODULE": "bench.cases._intake_settings"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
                             f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "120", "--log-level",
                             "warning"], cwd=REPO / "src", env=env, start_new_session=True)
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited before answering /healthz")
            time.sleep(0.25)
    _stop(proc)
    raise RuntimeError("gunicorn did not answer /healthz within a minute")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the group this case started (gunicorn and its workers)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _token(port: int, user: str, password: str) -> str:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/auth/token/", method="POST",
                                 data=json.dumps({"username": user, "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return str(json.loads(answer.read())["token"])
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"sign-in refused ({exc.code}): {exc.read().decode(errors='replace')}")


def _wrk(port: int, path: str, script: Path, seconds: int, threads: int, connections: int) -> dict[str, Any]:
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
                          str(script), f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=seconds + 120, check=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    return dict(json.loads(line[len("WRKJSON "):]))


def _script(folder: Path, sample: dict[str, Any], token: str, run: str) -> Path:
    points = "{" + ",".join(f"{{{lat:.6f},{lng:.6f}}}" for lat, lng in sample["points"]) + "}"
    classes = "{" + ",".join(f'"{c}"' for c in sample["classes"]) + "}"
    path = folder / f"{run}.lua"
    path.write_text(LUA % {"points": points, "classes": classes, "run": run, "token": token}, encoding="utf-8")
    return path


def rate(r: dict[str, Any]) -> float:
    """Requests per second of one wrk result (`_wrk`'s dict)."""
    return float(r["requests"]) / (r["duration_us"] / 1e6)


def run(ctx: Context) -> None:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk; ./test installs it)")
    url = _events_world.ensure(ctx)
    sample = _events_world.run_script(url, "sample", "200" if ctx.tiny else "5000")
    warm, seconds = (1, 2) if ctx.tiny else (20, 30)
    threads, connections = (1, 2) if ctx.tiny else (2, 8)
    db = DB_NAMES.get(ctx.vendor, ctx.vendor)
    ctx.dataset["intake_load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    port = _free_port()
    proc = _start(url, port)
    try:
        token = _token(port, _events_world.BENCH_USER, _events_world.BENCH_PASSWORD)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            stamp = f"{int(time.time())}"
            results = {}
            for kind, path in (("intake", "/api/events/"), ("bare", "/bench/bare-insert/")):
                _wrk(port, path, _script(folder, sample, token, f"{kind}-warm-{stamp}"), warm, threads, connections)
                results[kind] = _wrk(port, path, _script(folder, sample, token, f"{kind}-{stamp}"), seconds,
                                     threads, connections)
    finally:
        _stop(proc)
    intake, bare = results["intake"], results["bare"]
    ctx.dataset.update({"intake_workers": WORKERS, "intake_wrk_threads": threads, "intake_connections": connections,
                        "intake_seconds": seconds, "intake_requests": intake["requests"],
                        "intake_bare_requests": bare["requests"], "intake_points": len(sample["points"]),
                        "intake_classes": len(sample["classes"])})

    bare_name = "bare single-insert endpoint, same stack"
    ctx.record(f"intake.{db}.throughput", rate(intake), "events/s", limit=rate(bare), limit_name=bare_name)
    ctx.record(f"intake.{db}.p50", intake["p50_us"] / 1000, "ms", limit=bare["p50_us"] / 1000, limit_name=bare_name)
    ctx.record(f"intake.{db}.p99", intake["p99_us"] / 1000, "ms", limit=bare["p99_us"] / 1000, limit_name=bare_name)
    if not ctx.tiny:
        # where the time goes: the same intake in one process under cProfile (bench/README.md)
        profile = _events_world.run_script(url, "profile", "300")
        ctx.record(f"intake.{db}.cpu_per_intake", profile["cpu_ms_per_intake"], "ms",
                   limit=profile.get("cpu_ms_per_bare"), limit_name="bare single insert, same stack, in process")
        out = Path(os.environ.get("VAR_DIR", REPO / "var")) / "bench" / f"intake-{db}-profile.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(profile["top"], encoding="utf-8")
        print(f"  profile written to {out}")
    errors = {k: r["status_errors"] + r["socket_errors"] + r["timeouts"] for k, r in results.items()}
    if any(errors.values()):
        ctx.record(f"intake.{db}.errors", errors["intake"], "requests", limit=errors["bare"],
                   limit_name="errors on the bare endpoint")
