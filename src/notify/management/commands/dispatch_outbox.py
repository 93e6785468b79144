"""`manage.py dispatch_outbox [--loop]`: deliver due outbox rows from the command line.

Once by default (cron, tests, an operator after an outage); `--loop` keeps dispatching every
`--interval` seconds, like healthchecks' sendalerts. Safe beside Huey's periodic dispatcher and
any number of other dispatchers (rows are claimed by compare-and-set).
"""
from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notify import outbox


class Command(BaseCommand):
    help = "Deliver due outbox rows (once, or --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep dispatching")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between rounds with --loop")
        parser.add_argument("--batch", type=int, default=200, help="rows claimed at a time")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            result = outbox.dispatch_all(batch=options["batch"])
            if result.claimed or not options["loop"]:
                self.stdout.write(f"{result.worker}: claimed {result.claimed}, delivered {len(result.delivered)}, "
                                  f"failed {len(result.failed)}, dead {len(result.dead)}, lost {len(result.lost)}")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
