"""A webhook delivery is never lost by a killed worker: real processes on a real database file.

The real dispatcher (`manage.py dispatch_outbox`) is SIGKILLed while the receiver holds its first
request open (a slow endpoint); after the lease runs out the real command delivers every change,
each at least once, signed, with its delivery id. Harness: notify's crash tests (a migrated
SQLite copy per test, and PostgreSQL when the suite runs there)."""
from __future__ import annotations

import json
import signal
import subprocess
import sys

from core.testing.procs import free_port
from notify.tests.test_outbox_crash import SRC, Place, _env, _run, _wait_for_leases, place, templates  # noqa: F401
from sharing import webhooks
from sharing.tests.receiver import Receiver


def test_a_worker_killed_mid_delivery_loses_no_webhook(place: Place) -> None:  # noqa: F811
    receiver = Receiver(free_port(), hold=True).start()
    try:
        secret = json.loads(_run(place, "-m", "sharing.tests.webhook_worker", "seed", receiver.url, "3"))["secret"]
        keys = {k for (k,) in place.query("SELECT key FROM notify_outboxmessage WHERE kind = 'sharing.webhook'")}
        assert len(keys) == 3
        worker = subprocess.Popen([sys.executable, "manage.py", "dispatch_outbox"], cwd=SRC, env=_env(place),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert receiver.holding.wait(90), worker.communicate()[1].decode()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        assert worker.returncode == -signal.SIGKILL
        receiver.release.set()
        assert place.query("SELECT count(*) FROM notify_outboxmessage WHERE status = 'delivered'") == [(0,)]
        _wait_for_leases(place)
        out = _run(place, "manage.py", "dispatch_outbox")
        assert "delivered 3," in out, out
    finally:
        receiver.stop()
    ids = [r.headers["x-platform-delivery"] for r in receiver.got]
    assert set(ids) == keys and len(ids) == 4          # the interrupted one twice, with the same id
    for r in receiver.got:
        h = r.headers
        assert webhooks.verify(r.body, secret, int(h["x-platform-timestamp"]), h["x-platform-signature"])
    assert place.query("SELECT status, count(*) FROM notify_outboxmessage GROUP BY 1") == [("delivered", 3)]
