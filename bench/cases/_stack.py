"""The production stack the HTTP cases measure through (`intake`, `open311`), started once per
benchmark run and database, and the wrk load both drive through it (not a case itself).

**Processes**, as `deploy/` runs them on one machine, on the run's copy of the generated dataset:

- web: gunicorn with `WEB_WORKERS` (3) sync workers on a free loopback port, the platform's
  settings plus one bench-only URL (`bench/cases/_intake_settings.py`: `POST /bench/bare-insert/`);
- workers: `BENCH_HUEY_WORKERS` (2) Huey consumers, `manage.py run_huey --workers
  BENCH_HUEY_THREADS (4) --worker-type thread` as `deploy/worker.sh` starts them, so the work a
  request queues (the outbox dispatch an intake asks for after its commit) runs there, not in
  the request. Queue: on PostgreSQL, Redis — `BENCH_REDIS_URL` when given, else Debian's
  `redis-server` started here on a free loopback port without persistence, as `./test --postgres`
  starts it; on SQLite, what the settings use without `REDIS_URL`: Huey's SQLite queue (a file in
  this stack's own `VAR_DIR`, `var/bench/stack-<db>/`, emptied at the start).
  The consumers run with `--no-periodic`: the periodic tasks (the every-minute deadline sweep,
  outbox safety net, audit sealing) are measured by their own cases (`sweep`, `outbox`, `audit`),
  and a sweep firing at a random minute would take the `sweep` case's overdue events and disturb
  every other figure. Production's web processes run gthread workers (`deploy/gunicorn.conf.py`)
  that replace themselves every 2,000 requests; here the same processes serve the whole run, so
  their memory at the end is the memory of one process over every request it served.

The stack lives until the run ends (`Context.close`): then each process's peak and final resident
set is read from `/proc/<pid>/status` (`VmHWM`, `VmRSS`) and recorded — `memory.web.<n>.peak_mb` /
`.rss_mb` for the gunicorn workers (n = 1, 2, … in pid order), `memory.web.master.*` for the
arbiter, `memory.worker.<n>.*` for the Huey consumers, `memory.redis.*` when the bench started Redis.

**Load** (`measure`, `measure_in_turns`): one wrk Lua skeleton (`Script`: headers, a body
expression, points sampled in the grids and classes), an unmeasured warm-up then the measured run —
for an endpoint and its limit, in alternating turns — the summary printed by the script's `done` as
one JSON line.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.cases import _events_world
from core.testing.procs import free_port, stop_group

REPO = Path(__file__).resolve().parents[2]
WEB_WORKERS = 3
HUEY_WORKERS = int(os.environ.get("BENCH_HUEY_WORKERS", "2"))
HUEY_THREADS = int(os.environ.get("BENCH_HUEY_THREADS", "4"))
DB_NAMES = {"postgresql": "postgres", "sqlite": "sqlite"}


def _memory(pid: int) -> tuple[float, float] | None:
    """(peak, final) resident set of `pid` in MB (`VmHWM`, `VmRSS`), None when it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    kb = {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in lines if ln.startswith(("VmHWM", "VmRSS")))}
    return kb["VmHWM"] / 1024, kb["VmRSS"] / 1024


def _children(pid: int) -> list[int]:
    try:
        return sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return []


@dataclass
class Stack:
    """gunicorn, the Huey consumers and (PostgreSQL) Redis on one database; see the module docstring."""

    url: str
    db: str
    home: Path
    port: int = 0
    redis_url: str = ""
    web: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis: subprocess.Popen[bytes] | None = None

    def env(self, settings: str = "config.settings") -> dict[str, str]:
        env = {**_events_world.env_for(self.url), "DJANGO_SETTINGS_MODULE": settings, "HUEY_IMMEDIATE": "0",
               "VAR_DIR": str(self.home)}
        env.pop("REDIS_URL", None)
        env.pop("REDIS_URL_FILE", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def start(self) -> None:
        if self.home.exists():
            shutil.rmtree(self.home)
        self.home.mkdir(parents=True)
        if self.db == "postgres":
            self.redis_url = os.environ.get("BENCH_REDIS_URL", "") or self._start_redis()
        for n in range(1, HUEY_WORKERS + 1):
            with (self.home / f"worker-{n}.log").open("wb") as log:   # the child keeps its own descriptor
                self.workers.append(subprocess.Popen(
                    [sys.executable, "manage.py", "run_huey", "--workers", str(HUEY_THREADS), "--worker-type",
                     "thread", "--no-periodic"], cwd=REPO / "src", env=self.env(), stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
        self.port = free_port()
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(WEB_WORKERS), "--timeout", "120", "--log-level", "warning"],
            cwd=REPO / "src", env=self.env("bench.cases._intake_settings"), stdin=subprocess.DEVNULL,
            start_new_session=True)
        self._wait_web()
        for n, worker in enumerate(self.workers, 1):
            self._wait_worker(n, worker)

    def _start_redis(self) -> str:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed (apt-get install -y redis-server), or set BENCH_REDIS_URL")
        port = free_port()
        self.redis = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                       "no", "--dir", str(self.home)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return f"redis://127.0.0.1:{port}/0"
            except OSError:
                if self.redis.poll() is not None:
                    raise RuntimeError("redis-server exited at start") from None
            time.sleep(0.1)
        raise RuntimeError("redis-server did not answer PING within 10 s")

    def _wait_web(self) -> None:
        assert self.web is not None
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2).read()
                return
            except OSError:
                if self.web.poll() is not None:
                    raise RuntimeError("gunicorn exited before answering /healthz") from None
                time.sleep(0.25)
        raise RuntimeError("gunicorn did not answer /healthz within a minute")

    def _wait_worker(self, n: int, worker: subprocess.Popen[bytes]) -> None:
        log = self.home / f"worker-{n}.log"
        for _ in range(240):
            if b"consumer started" in log.read_bytes():
                return
            if worker.poll() is not None:
                raise RuntimeError(f"Huey consumer {n} exited at start:\n{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.25)
        raise RuntimeError(f"Huey consumer {n} did not start within a minute:\n{log.read_text(errors='replace')[-2000:]}")

    def processes(self) -> dict[str, int]:
        """Figure-name part → pid of every process of the stack alive now."""
        found: dict[str, int] = {}
        if self.web is not None and self.web.poll() is None:
            found["web.master"] = self.web.pid
            for n, pid in enumerate(_children(self.web.pid), 1):
                found[f"web.{n}"] = pid
        for n, worker in enumerate(self.workers, 1):
            if worker.poll() is None:
                found[f"worker.{n}"] = worker.pid
        if self.redis is not None and self.redis.poll() is None:
            found["redis"] = self.redis.pid
        return found

    def drain(self, ctx: Any) -> None:
        """Let the consumers deliver what the run left in the outbox (the sweep case's notices of its
        escalations and marks, written with the dispatch request off): one dispatch request queued
        as a commit queues it, then wait until no row is due. Records `workers.<db>.drain.time` (s),
        `.rows` (outbox rows delivered, the notifications' own included) and `.left` (rows still
        due after `BENCH_DRAIN_SECONDS`, 600), when there was anything to deliver."""
        out = subprocess.run([sys.executable, __file__, "drain", os.environ.get("BENCH_DRAIN_SECONDS", "600")],
                             env=self.env(), cwd=REPO, check=True, capture_output=True, text=True, timeout=3600)
        found = json.loads(out.stdout.strip().splitlines()[-1])
        ctx.dataset["stack_drain"] = found
        if found["due_before"]:
            ctx.record(f"workers.{self.db}.drain.time", found["seconds"], "s")
            ctx.record(f"workers.{self.db}.drain.rows", found["delivered"], "rows")
            ctx.record(f"workers.{self.db}.drain.left", found["due_after"], "rows")

    def close(self, ctx: Any) -> None:
        """Drain the outbox through the consumers and record each process's peak and final memory
        (when the run got this far), then stop them all."""
        try:
            if not getattr(ctx, "failed", False):
                try:
                    self.drain(ctx)
                except Exception as exc:  # noqa: BLE001 - the run's figures are kept; the failure is in the result
                    ctx.dataset["stack_drain"] = {"error": repr(exc)[:2000]}
                    print(f"  drain failed: {exc!r}")
                procs = self.processes()
                ctx.dataset["stack"] = {"database": self.db, "web_workers": WEB_WORKERS, "huey_consumers": HUEY_WORKERS,
                                        "huey_threads": HUEY_THREADS, "queue": "redis" if self.redis_url else
                                        "huey sqlite file", "pids": procs}
                for name, pid in procs.items():
                    found = _memory(pid)
                    if found is not None:
                        ctx.record(f"memory.{name}.peak_mb", found[0], "MB")
                        ctx.record(f"memory.{name}.rss_mb", found[1], "MB")
        finally:
            if self.web is not None:
                stop_group(self.web)
            for worker in self.workers:
                stop_group(worker, signal.SIGINT)   # Huey finishes its running tasks on SIGINT (as systemd stops it)
            if self.redis is not None:
                stop_group(self.redis)


def preflight(ctx: Any) -> None:
    """Refuse before the run starts (not hours into it) when the stack or its load cannot run here."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk; ./test installs it)")
    if ctx.vendor == "postgresql" and not os.environ.get("BENCH_REDIS_URL") and shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (apt-get install -y redis-server), or set BENCH_REDIS_URL")


def stack(ctx: Any, url: str) -> Stack:
    """The stack on database `url`, started on first use in this run and stopped (its memory
    recorded) when the run ends."""
    stacks: dict[str, Stack] = ctx.shared.setdefault("stacks", {})
    if url not in stacks:
        db = DB_NAMES.get(ctx.vendor, ctx.vendor)
        home = Path(os.environ.get("VAR_DIR", REPO / "var")) / "bench" / f"stack-{db}"
        if stacks:
            home = home.with_name(f"{home.name}-{len(stacks) + 1}")
        started = Stack(url=url, db=db, home=home)
        ctx.on_close(started.close)
        stacks[url] = started
        started.start()
        print(f"  (stack: gunicorn {WEB_WORKERS} workers on :{started.port}, {HUEY_WORKERS} Huey consumers on "
              f"{'Redis ' + urlsplit(started.redis_url).netloc if started.redis_url else 'the Huey SQLite file'})")
    return stacks[url]


def token(port: int, user: str, password: str) -> str:
    """A knox token from `/api/auth/token/` of the stack on `port`."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/auth/token/", method="POST",
                                 data=json.dumps({"username": user, "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return str(json.loads(answer.read())["token"])
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"sign-in refused ({exc.code}): {exc.read().decode(errors='replace')}") from None


# ---------------------------------------------------------------- the load

LUA = string.Template(r"""
local points = $points
local classes = $classes
local run = "$run"
local counter = 0
local count = 0

function setup(thread)
  count = count + 1
  thread:set("tid", count)
end

function init(args)
  wrk.method = "POST"
$headers
end

function request()
  counter = counter + 1
  local t = tid or 0
  local p = points[(counter * 7919 + t * 104729) % #points + 1]
  local c = classes[(counter + t) % #classes + 1]
  local id = string.format("%s-%d-%d", run, t, counter)
  return wrk.format(nil, nil, nil, $body)
end

function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
""")


def lua_string(text: str) -> str:
    """`text` as a Lua string literal (JSON's escapes are Lua's; non-ASCII kept as UTF-8 bytes)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class Script:
    """What wrk posts: `headers` (name → value), `body` — a Lua expression over `p` (the point,
    `{lat, lng}`), `c` (an event class code) and `id` (a client id unique to the run) — and the
    sampled `points` and `classes` it draws from."""

    headers: dict[str, str]
    body: str
    points: list[list[float]]
    classes: list[str]

    def write(self, folder: Path, run: str) -> Path:
        path = folder / f"{run}.lua"
        path.write_text(LUA.substitute(
            points="{" + ",".join(f"{{{lat:.6f},{lng:.6f}}}" for lat, lng in self.points) + "}",
            classes="{" + ",".join(lua_string(c) for c in self.classes) + "}", run=run,
            headers="\n".join(f"  wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in self.headers.items()),
            body=self.body), encoding="utf-8")
        return path


def _wrk(port: int, path: str, script: Path, seconds: int, threads: int, connections: int) -> dict[str, Any]:
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
                          str(script), f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=seconds + 120, check=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    return dict(json.loads(line[len("WRKJSON "):]))


def measure(port: int, path: str, script: Script, *, run: str, warm: int, seconds: int, threads: int,
            connections: int) -> dict[str, Any]:
    """`POST path` on the stack at `port`: `warm` seconds unmeasured, then `seconds` measured, with
    `threads` wrk threads and `connections` connections; the client ids start with `run` (unique
    per run). Returns the measured run's summary: requests, duration_us, status_errors,
    socket_errors, timeouts, p50_us, p90_us, p99_us, mean_us, max_us, and `cpu_ms`: the CPU
    (user + system, ms) each kind of process used during the measured run (`cpu_ms_by_kind`)."""
    return measure_in_turns(port, {"one": path}, script, run=run, warm=warm, seconds=seconds, turns=1,
                            threads=threads, connections=connections)["one"]


def measure_in_turns(port: int, paths: dict[str, str], script: Script, *, run: str, warm: int, seconds: int,
                     turns: int, threads: int, connections: int) -> dict[str, dict[str, Any]]:
    """Several endpoints ({name: path}) measured in turns: each warmed up `warm` seconds, then
    `turns` rounds in which each runs `seconds / turns` measured, so that a slow spell of the host
    (this machine's CPU time per request varies by ±15 % from minute to minute) falls on all of
    them alike: their ratio is the figure that matters. Returns {name: summary} as `measure`'s,
    merged over the turns: counts, durations and CPU summed; p50, p90 and the mean as the
    request-weighted mean of the turns'; p99 and max the largest turn's."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk; ./test installs it)")
    parts: dict[str, list[dict[str, Any]]] = {name: [] for name in paths}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, path in paths.items():
            _wrk(port, path, script.write(folder, f"{run}-{name}-warm"), warm, threads, connections)
        for turn in range(turns):
            for name, path in paths.items():
                before, load_before = _cpu_by_pid(), os.times()
                result = _wrk(port, path, script.write(folder, f"{run}-{name}-{turn}"), max(1, seconds // turns),
                              threads, connections)
                after, load_after = _cpu_by_pid(), os.times()
                result["cpu_ms"] = cpu_ms_by_kind(before, after)
                result["cpu_ms"]["load"] = round((load_after.children_user + load_after.children_system
                                                  - load_before.children_user - load_before.children_system) * 1000, 1)
                parts[name].append(result)
    return {name: _merged(results) for name, results in parts.items()}


def _merged(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary of several wrk runs of one endpoint (see `measure_in_turns`)."""
    if len(results) == 1:
        return results[0]
    total = sum(r["requests"] for r in results) or 1
    out: dict[str, Any] = {key: sum(r[key] for r in results)
                           for key in ("requests", "duration_us", "status_errors", "socket_errors", "timeouts")}
    for key in ("p50_us", "p90_us", "mean_us"):
        out[key] = sum(r[key] * r["requests"] for r in results) / total
    for key in ("p99_us", "max_us"):
        out[key] = max(r[key] for r in results)
    cpu: dict[str, float] = {}
    for r in results:
        for kind, ms in r["cpu_ms"].items():
            cpu[kind] = round(cpu.get(kind, 0.0) + ms, 1)
    out["cpu_ms"] = cpu
    out["turns"] = len(results)
    return out


_KINDS = (("web", "gunicorn config.wsgi"), ("workers", "run_huey"), ("database", "postgres"))
_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 10.0


def _cpu_by_pid() -> dict[int, tuple[str, float]]:
    """pid → (kind, CPU ms so far) of every web, worker and PostgreSQL process on the machine
    (Linux `/proc/<pid>/stat` fields 14 and 15)."""
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = next((k for k, marker in _KINDS if command.startswith(marker) or (k != "database" and marker in command)),
                    None)
        if kind:
            found[int(entry.name)] = (kind, (int(fields[11]) + int(fields[12])) * _TICK_MS)
    return found


def cpu_ms_by_kind(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU ms per kind between two `_cpu_by_pid` snapshots; a process born in between counts whole
    (a new PostgreSQL backend), one that ended in between is lost (its share is small)."""
    used: dict[str, float] = {}
    for pid, (kind, ms) in after.items():
        used[kind] = used.get(kind, 0.0) + ms - (before[pid][1] if pid in before else 0.0)
    return {kind: round(ms, 1) for kind, ms in used.items()}


def rate(r: dict[str, Any]) -> float:
    """Requests per second of one `measure` result."""
    return float(r["requests"]) / (r["duration_us"] / 1e6)


def errors(r: dict[str, Any]) -> int:
    """Non-2xx answers, socket errors and timeouts of one `measure` result."""
    return int(r["status_errors"] + r["socket_errors"] + r["timeouts"])


# ---------------------------------------------------------------- the child process

def _drain(limit: float) -> dict[str, Any]:
    from django.db.models import Q
    from django.utils import timezone

    from notify.choices import OutboxStatus
    from notify.models import OutboxMessage
    from notify.outbox import request_dispatch

    def due() -> int:
        return OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=timezone.now()).count()

    def delivered() -> int:
        return OutboxMessage.objects.filter(~Q(status=OutboxStatus.PENDING)).count()

    before, done_before = due(), delivered()
    started = time.perf_counter()
    asked = started
    request_dispatch()   # what a commit's on_commit hook does: one task on the queue
    left = before
    while left and time.perf_counter() - started < limit:
        time.sleep(0.2)
        left = due()
        if left and time.perf_counter() - asked > 15:   # ask again, as the every-minute safety net would
            request_dispatch()
            asked = time.perf_counter()
    return {"due_before": before, "due_after": left, "seconds": round(time.perf_counter() - started, 3),
            "delivered": delivered() - done_before}


def main(argv: list[str]) -> None:
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()
    if argv[0] != "drain":
        raise SystemExit(f"unknown command {argv[0]}")
    print(json.dumps(_drain(float(argv[1]))))


if __name__ == "__main__":
    main(sys.argv[1:])
