"""Background work of events: the deadline sweep, every minute (see `events.services.sweep`)."""
from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from events.services.sweep import deadlines_sweep


@db_periodic_task(crontab(minute="*"))
def sweep_deadlines() -> str:
    """Yellow / red marks, escalation of overdue events, unanswered town calls (idempotent)."""
    return deadlines_sweep().summary()
