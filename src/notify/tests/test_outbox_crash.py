"""Issue 9 acceptance: "A notification queued in the outbox whose worker is killed before delivery
is delivered after restart, once." Real processes on a real database: a dispatcher is SIGKILLed
mid-delivery, then the real `manage.py dispatch_outbox` delivers after the lease ran out. Also:
two dispatcher processes at once deliver every row exactly once, and a commit kicks a real Huey
consumer through django.tasks.

Each test gets a database of its own that the worker processes can open: a copy of a migrated
SQLite file, and — when the suite runs on PostgreSQL (`./test --postgres`) — also a database
created from a migrated template on the same server."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]
LEASE = 3  # seconds: short, so the restart need not wait long
SUITE_DB = os.environ.get("DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if SUITE_DB.startswith(("postgres://", "postgresql://")) else [])
_numbers = itertools.count()


@dataclass
class Place:
    """Where one test's processes run: a VAR_DIR and a database URL."""

    home: Path
    url: str

    def query(self, sql: str) -> list[tuple]:
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            return [tuple(row) for row in db.execute(sql).fetchall()]


def _server_url(name: str) -> str:
    return SUITE_DB.rsplit("/", 1)[0] + "/" + name


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(SUITE_DB, autocommit=True) as db:
        db.execute(sql)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend and module; each test copies it."""
    base = tmp_path_factory.mktemp("outbox-template")
    found = {"sqlite": str(base / "db.sqlite3")}
    _run(Place(base, f"sqlite:///{found['sqlite']}"), "manage.py", "migrate", "-v0")
    if "postgres" in BACKENDS:
        found["postgres"] = f"notify_crash_tpl_{os.getpid()}"
        _admin(f"DROP DATABASE IF EXISTS {found['postgres']}")
        _admin(f"CREATE DATABASE {found['postgres']}")
        _run(Place(base, _server_url(found["postgres"])), "manage.py", "migrate", "-v0")
    yield found
    if "postgres" in found:
        _admin(f"DROP DATABASE IF EXISTS {found['postgres']} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, tmp_path: Path, templates: dict[str, str]) -> Iterator[Place]:
    if request.param == "sqlite":
        shutil.copy(templates["sqlite"], tmp_path / "db.sqlite3")
        yield Place(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
        return
    name = f"notify_crash_{os.getpid()}_{next(_numbers)}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {templates['postgres']}")
    try:
        yield Place(tmp_path, _server_url(name))
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _env(place: Place, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST"))}
    env.update({"DATABASE_URL": place.url, "VAR_DIR": str(place.home), "TESTING": "1",
                "HUEY_IMMEDIATE": "1", "OUTBOX_KICK": "0", "OUTBOX_LEASE_SECONDS": str(LEASE),
                "NOTIFY_RECORD_FILE": str(place.home / "sent.jsonl"), "PYTHONPATH": str(SRC)}, **extra)
    return env


def _run(place: Place, *args: str, **extra: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=SRC, env=_env(place, **extra), capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _kill_mid_delivery(place: Place, **extra: str) -> None:
    paused = place.home / "paused"
    worker = subprocess.Popen([sys.executable, "-m", "notify.tests.worker", "die"], cwd=SRC,
                              env=_env(place, WORKER_PAUSED=str(paused), **extra),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while not paused.exists():
        assert worker.poll() is None, worker.communicate()[1].decode()
        assert time.monotonic() < deadline, "the worker never reached the delivery"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL


def _wait_for_leases(place: Place) -> None:
    [(until,)] = place.query("SELECT max(claimed_until) FROM notify_outboxmessage")
    if isinstance(until, str):  # SQLite stores UTC text
        until = dt.datetime.fromisoformat(until).replace(tzinfo=dt.UTC)
    left = (until - dt.datetime.now(dt.UTC)).total_seconds()
    time.sleep(max(0.0, left) + 0.2)


def test_notification_whose_worker_was_killed_mid_delivery_is_delivered_after_restart_once(
        place: Place) -> None:
    _run(place, "-m", "notify.tests.worker", "seed", "1")
    assert place.query("SELECT status, attempts FROM notify_outboxmessage") == [("pending", 0)]

    _kill_mid_delivery(place, PAUSE_IN="inbox")
    # The killed worker had written the inbox rows but not committed: nothing was delivered,
    # and its claim (one attempt) holds the row until the lease runs out.
    assert place.query("SELECT count(*) FROM notify_notification") == [(0,)]
    [(status, attempts, claimed_until)] = place.query("SELECT status, attempts, claimed_until FROM notify_outboxmessage")
    assert (status, attempts) == ("pending", 1) and claimed_until is not None

    _wait_for_leases(place)
    assert "delivered 1," in _run(place, "manage.py", "dispatch_outbox")
    assert "claimed 0," in _run(place, "manage.py", "dispatch_outbox"), "a second restart delivers nothing more"
    assert place.query("SELECT recipient, title FROM notify_notification ORDER BY recipient") == [
        ("unit:1", "事件 0 已超期"), ("user:2", "事件 0 已超期")]
    assert place.query("SELECT status, attempts, last_error FROM notify_outboxmessage") == [("delivered", 2, "")]


def test_a_gateway_send_interrupted_by_a_kill_is_repeated_with_the_same_key(place: Place) -> None:
    """Outside systems get at least once: the repeat carries the key the gateway dedups on."""
    _run(place, "-m", "notify.tests.worker", "seed", "1", NOTIFY_CHANNELS="sms")
    _run(place, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
         "django.setup(); from notify.models import Contact; from accounts.models import User; "
         "Contact.objects.create(user=User.objects.get(username='insider'), channel='sms', address='13800000001')")
    _kill_mid_delivery(place, PAUSE_IN="sms", NOTIFY_CHANNELS="sms")
    _wait_for_leases(place)
    _run(place, "manage.py", "dispatch_outbox", NOTIFY_CHANNELS="sms")
    sent = [json.loads(line) for line in (place.home / "sent.jsonl").read_text().splitlines()]
    assert [(s["key"], s["to"]) for s in sent] == [("event:0:overdue:sms", ["13800000001"])] * 2
    assert place.query("SELECT count(*) FROM notify_notification") == [(2,)], "the inbox still got it once"
    assert place.query("SELECT key, status FROM notify_outboxmessage ORDER BY key") == [
        ("event:0:overdue:inbox", "delivered"), ("event:0:overdue:sms", "delivered")]


def test_two_dispatcher_processes_at_once_deliver_every_row_exactly_once(place: Place) -> None:
    _run(place, "-m", "notify.tests.worker", "seed", "120")
    workers = [subprocess.Popen([sys.executable, "manage.py", "dispatch_outbox", "--batch", "10"], cwd=SRC,
                                env=_env(place), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err for _, err in outputs]
    claimed = [int(out.split("claimed ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(claimed) == 120, outputs
    assert place.query("SELECT status, attempts, count(*) FROM notify_outboxmessage GROUP BY 1, 2") == [
        ("delivered", 1, 120)]
    assert place.query("SELECT count(*), count(DISTINCT key || recipient) FROM notify_notification") == [(240, 240)]


def test_a_commit_kicks_a_real_huey_consumer_through_django_tasks(place: Place) -> None:
    """The enqueue path end to end: the commit asks for a dispatch through django.tasks (Huey's
    tasks backend), a real `run_huey` consumer (periodic tasks off, so only the kick can deliver)
    runs it, and the notification is in the inbox within seconds."""
    consumer = subprocess.Popen([sys.executable, "manage.py", "run_huey", "--no-periodic", "-w", "1"], cwd=SRC,
                                env=_env(place, HUEY_IMMEDIATE="0"), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    try:
        _run(place, "-m", "notify.tests.worker", "seed", "2", HUEY_IMMEDIATE="0", OUTBOX_KICK="1")
        deadline = time.monotonic() + 60
        while place.query("SELECT count(*) FROM notify_notification") != [(4,)]:
            assert consumer.poll() is None, consumer.communicate()[0]
            assert time.monotonic() < deadline, "the consumer never delivered"
            time.sleep(0.2)
    finally:
        consumer.send_signal(signal.SIGINT)
        try:
            log = consumer.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            consumer.kill()
            log = consumer.communicate()[0]
    assert "Executing huey.contrib.djhuey.tasks_backend.djtasks.run" in log, log
    assert place.query("SELECT status, count(*) FROM notify_outboxmessage GROUP BY 1") == [("delivered", 2)]
