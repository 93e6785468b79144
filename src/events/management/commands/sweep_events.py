"""`manage.py sweep_events [--at ISO]`: run the deadline sweep once (the Huey periodic task
`events.tasks.sweep_deadlines` runs it every minute). Idempotent; safe beside other sweeps."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.services.sweep import deadlines_sweep


class Command(BaseCommand):
    help = "Mark warnings and overdue events, escalate overdue events and unanswered town calls (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="sweep as of this instant (ISO 8601 with offset; default now)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options.get("at"):
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at: {exc}") from exc
            if now.tzinfo is None:
                raise CommandError("--at needs a UTC offset, e.g. 2026-02-14T11:01+08:00")
        self.stdout.write(deadlines_sweep(now=now).summary())
