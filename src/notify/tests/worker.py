"""A worker process for the crash tests: `python -m notify.tests.worker seed|die` (cwd = src/).

- `seed N`: builds the test world, a unit, and N notifications (through `services.notify`, so
  through the outbox), committed; prints nothing.
- `die`: a dispatcher whose delivery pauses at the worst moment — the inbox notifier after
  writing its rows but before the transaction that marks the row delivered commits, or the
  recording SMS transport after it recorded a send — and touches `$WORKER_PAUSED` so the test
  knows when to SIGKILL it. Everything else is the real dispatcher.
The restart is the real command, `manage.py dispatch_outbox`.
"""
from __future__ import annotations

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
    from django.db import transaction

    from core.testing.world import build_world
    from notify.services import notify
    from notify.tests.fixtures import unit_b

    world = build_world()
    unit = unit_b(world)
    with transaction.atomic():
        for n in range(count):
            notify([world.insider, unit], "overdue", f"事件 {n} 已超期", "请尽快处置", f"/events/{n}/",
                   key=f"event:{n}:overdue")


def die() -> None:
    from notify import notifiers, outbox, transports

    inbox_send = notifiers.InboxNotifier.send
    record_send = transports.RecordingTransport.send

    def inbox_then_pause(self: Any, message: Any, *, key: str) -> None:
        inbox_send(self, message, key=key)
        if os.environ.get("PAUSE_IN") == "inbox":
            _pause()

    def record_then_pause(self: Any, **kwargs: Any) -> None:
        record_send(self, **kwargs)
        if os.environ.get("PAUSE_IN") == "sms":
            _pause()

    notifiers.InboxNotifier.send = inbox_then_pause  # type: ignore[method-assign]
    transports.RecordingTransport.send = record_then_pause  # type: ignore[method-assign]
    outbox.dispatch_all()
    raise SystemExit("the worker was expected to pause and be killed")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    {"seed": lambda: seed(int(sys.argv[2])), "die": die}[sys.argv[1]]()
