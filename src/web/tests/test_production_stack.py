"""Issue 15 acceptance: "The documented production commands start the stack on a fresh machine;
/readyz answers 200 only when PostgreSQL and Redis are up and migrations are applied; starting with
DEBUG=1 or the demo passwords in production mode is refused with a clear message."

The documented commands themselves (deploy/web.sh, deploy/migrate.sh, deploy/worker.sh) run here
on loopback against a fresh database on the PostgreSQL server of `./test --postgres` and a Redis
server of the test's own (so that it can stop it): gunicorn with two workers, a Huey consumer on
Redis, secrets from files (`SECRET_KEY_FILE`). Skipped without PostgreSQL (plain `./test`)."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from core.testing.procs import free_port, stop_group

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
SUITE_DB = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SUITE_DB.startswith(("postgres://", "postgresql://"))

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not ON_POSTGRES, reason="needs ./test --postgres (PostgreSQL and Redis)")]



def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(SUITE_DB, autocommit=True) as db:
        db.execute(sql)


@dataclass
class Stack:
    """One installation on loopback: its database, Redis, environment and the processes started."""

    home: Path
    env: dict[str, str]
    redis: subprocess.Popen
    port: int
    processes: list[subprocess.Popen] = field(default_factory=list)

    def run(self, script: str, timeout: float = 240, **extra: str) -> subprocess.CompletedProcess:
        env = {**self.env, **extra}
        return subprocess.run([str(DEPLOY / script)], env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def run_together(self, *runs: tuple[str, dict[str, str]]) -> list[subprocess.CompletedProcess]:
        """Several short runs at once (each refusal costs a Django start-up)."""
        started = [(script, subprocess.Popen([str(DEPLOY / script)], env={**self.env, **extra}, text=True,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                             stdin=subprocess.DEVNULL))
                   for script, extra in runs]
        done = []
        for script, process in started:
            out, err = process.communicate(timeout=120)
            done.append(subprocess.CompletedProcess([script], process.returncode, out, err))
        return done

    def start(self, script: str, log: str, **extra: str) -> subprocess.Popen:
        out = (self.home / log).open("w")
        process = subprocess.Popen([str(DEPLOY / script)], env={**self.env, **extra}, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(process)
        return process

    def get(self, path: str, request_id: str | None = None) -> tuple[int, Any]:
        headers = {"X-Request-ID": request_id} if request_id else {}
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def readyz(self) -> tuple[int, dict]:
        status, body = self.get("/readyz")
        return status, json.loads(body)

    def log_lines(self, log: str) -> list[dict]:
        return [json.loads(line) for line in (self.home / log).read_text().splitlines() if line.startswith("{")]



@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    redis_server = shutil.which("redis-server")
    if not redis_server:
        pytest.fail("redis-server is required (./test --postgres installs Debian's redis-server)")
    name = f"prodstack_{os.getpid()}"
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")
    redis_port = free_port()
    redis = subprocess.Popen([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(tmp_path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for key in ("secret_key", "personal_data_key", "audit_chain_key"):
        (tmp_path / key).write_text("k" * 20 + os.urandom(24).hex() + "\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "TESTING", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "HUEY_", "DEBUG",
                                "PERSONAL_DATA_KEY", "AUDIT_"))}
    env.update({
        "PLATFORM_MODE": "production",
        "PLATFORM_VENV": str(Path(sys.executable).parent.parent),
        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "PERSONAL_DATA_KEY_FILE": str(tmp_path / "personal_data_key"),
        "AUDIT_CHAIN_KEY_FILE": str(tmp_path / "audit_chain_key"),
        "DATABASE_URL": SUITE_DB.rsplit("/", 1)[0] + "/" + name,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "VAR_DIR": str(tmp_path / "var"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # loopback without the TLS proxy that production puts in front
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "WEB_THREADS": "2",
        "WORKER_THREADS": "2",
    })
    stack = Stack(tmp_path, env, redis, port)
    try:
        yield stack
    finally:
        for process in stack.processes:
            stop_group(process)
        stop_group(redis)
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _wait(condition: Any, what: str, timeout: float = 120) -> Any:
    """Poll `condition` until it is true. A request that fails or times out (OSError: refused,
    reset, or no answer within the get's timeout while workers boot on a loaded machine — CI failed
    on one such timeout) counts as "not yet", not as the test's failure."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except (OSError, ValueError):  # ValueError: a JSON log line caught half-written
            result = None
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _alive(stack: Stack) -> bool:
    try:
        return stack.get("/healthz")[0] == 200
    except OSError:
        return False


def _refused(done: subprocess.CompletedProcess, words: str) -> None:
    assert done.returncode == 78, (done.returncode, done.stdout, done.stderr)
    assert words in done.stderr and "(refused to start)" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_the_production_stack_starts_from_the_documented_commands(stack: Stack) -> None:
    # Refused before anything starts, with one clear line each.
    debug, key, mode = stack.run_together(("web.sh", {"DEBUG": "1"}), ("web.sh", {"SECRET_KEY_FILE": ""}),
                                          ("worker.sh", {"PLATFORM_MODE": "demo"}))
    _refused(debug, "不得开启 DEBUG")
    _refused(key, "SECRET_KEY")
    _refused(mode, "PLATFORM_MODE=production")

    # A fresh database: the web processes start and are alive, but not ready.
    web = stack.start("web.sh", "web.log")
    _wait(lambda: _alive(stack) or web.poll() is not None, "gunicorn to answer /healthz")
    assert web.poll() is None, (stack.home / "web.log").read_text()
    status, body = stack.readyz()
    assert status == 503 and body["reason"].startswith("migrations: "), body
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "ok"

    migrate = stack.run("migrate.sh")
    assert migrate.returncode == 0, migrate.stderr
    for _ in range(4):  # both gunicorn workers
        status, body = stack.readyz()
        assert status == 200 and body["status"] == "ready", body

    # The release step after migrate.sh: reload the web processes (systemctl reload = SIGHUP to
    # gunicorn), so that new workers serve the static files collectstatic just wrote.
    os.kill(web.pid, signal.SIGHUP)
    _wait(lambda: sum("Booting worker" in x["message"] for x in stack.log_lines("web.log")) >= 4, "new workers")
    _wait(lambda: stack.readyz()[0] == 200, "the reloaded workers to be ready")

    # Pages render in production, and WhiteNoise serves the collected (hashed) static files.
    status, page = stack.get("/login/")
    assert status == 200
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.decode())
    assert assets and all(re.search(r"\.[0-9a-f]{12}\.", a) for a in assets), assets
    assert all(stack.get(asset)[0] == 200 for asset in assets)

    # A Huey consumer on Redis; its log is JSON lines too.
    worker = stack.start("worker.sh", "worker.log")
    _wait(lambda: any("consumer started" in line["message"] for line in stack.log_lines("worker.log"))
          or worker.poll() is not None, "the Huey consumer to start")
    assert worker.poll() is None, (stack.home / "worker.log").read_text()

    # Access lines: one JSON object per line with the request id the caller sent.
    stack.get("/readyz", request_id="stack-test-1")
    line = _wait(lambda: next((x for x in stack.log_lines("web.log") if x.get("request_id") == "stack-test-1"), None),
                 "the access line")
    assert (line["logger"], line["path"], line["status"], line["level"]) == ("platform.request", "/readyz", 200, "INFO")
    assert {"time", "message", "user", "duration_ms"} <= set(line)

    # Demo accounts (the demo password) in the database: no production process starts.
    made = subprocess.run([stack.env["PLATFORM_VENV"] + "/bin/python", "manage.py", "shell", "-c",
                           "from accounts.models import User; "
                           "User.objects.create_user('demo-town-321002001', password='demo12345', is_synthetic=True)"],
                          cwd=REPO / "src", env={**stack.env, "PLATFORM_MODE": "demo"}, capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    web_refused, worker_refused = stack.run_together(("web.sh", {"WEB_BIND": f"127.0.0.1:{free_port()}"}),
                                                     ("worker.sh", {}))
    _refused(web_refused, "演示账号")
    _refused(worker_refused, "演示账号")

    # Redis stops: not ready; the answer names Redis.
    stop_group(stack.redis)
    status, body = stack.readyz()
    assert status == 503 and body["reason"].startswith("redis: "), body
    assert web.poll() is None, "the web processes stay up while Redis is away"
