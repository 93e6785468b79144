"""A process for the sweep crash tests: `python -m events.tests.sweeper seed N|die-sweep|die-notify` (cwd = src/).

- `seed N`: the events test world and N events reported 2026-02-13 16:00 (06010, 4 working hours:
  overdue since 2026-02-14 11:00), committed.
- `die-sweep`: the real sweep, paused after the escalation transaction wrote everything (events
  updated, escalations, steps, audit and outbox rows) but before it commits; touches
  `$WORKER_PAUSED` so the test knows when to SIGKILL it.
- `hold-sweep`: the real sweep, holding its escalation transaction open for 8 s after writing
  (touching `$WORKER_PAUSED`), then committing — so a second sweep started meanwhile meets the
  locked rows and must lose the compare-and-set.
- `die-notify`: the real outbox dispatcher, paused inside the delivery of an `events.notify` row
  after the notifications were written but before the delivery commits.
Restarts are the real commands (`manage.py sweep_events`, `manage.py dispatch_outbox`).
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

import django


def _pause() -> None:
    Path(os.environ["WORKER_PAUSED"]).touch()
    time.sleep(600)  # killed here


def seed(count: int) -> None:
    from events.tests import factory

    ew = factory.build()
    at = dt.datetime(2026, 2, 13, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for n in range(count):
        factory.report(ew, reported_at=at, client_id=f"seed-{n}")


def die_sweep() -> None:
    from events.services import sweep

    record = sweep._record_escalations

    def record_then_pause(*args: Any, **kwargs: Any) -> None:
        record(*args, **kwargs)
        _pause()

    sweep._record_escalations = record_then_pause
    sweep.deadlines_sweep()
    raise SystemExit("the sweep was expected to pause and be killed")


def hold_sweep() -> None:
    from events.services import sweep

    record = sweep._record_escalations

    def record_then_hold(*args: Any, **kwargs: Any) -> None:
        record(*args, **kwargs)
        Path(os.environ["WORKER_PAUSED"]).touch()
        time.sleep(8)  # long enough for a second process to start and reach the locked rows

    sweep._record_escalations = record_then_hold
    sys.stdout.write(sweep.deadlines_sweep().summary() + "\n")


def die_notify() -> None:
    from events import notices
    from notify import outbox

    handle_many = notices.EventNotifyHandler.handle_many

    def handle_then_pause(self: Any, items: list[tuple[dict[str, Any], str]]) -> None:
        handle_many(self, items)
        _pause()

    notices.EventNotifyHandler.handle_many = handle_then_pause  # type: ignore[method-assign]
    outbox.dispatch_all()
    raise SystemExit("the dispatcher was expected to pause and be killed")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    {"seed": lambda: seed(int(sys.argv[2])), "die-sweep": die_sweep, "hold-sweep": hold_sweep,
     "die-notify": die_notify}[sys.argv[1]]()
