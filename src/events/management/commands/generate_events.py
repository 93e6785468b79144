"""Generate events deterministically from a seed, bulk inserted, with a progress bar (issue 8 item 7)."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from tqdm import tqdm

from events import generator


class Command(BaseCommand):
    help = ("Generate DAYS days of synthetic events ending now (about RATE a day; default Yangzhou's "
            f"{generator.DEFAULT_RATE}), with full lifecycles through the transition table; deterministic for a seed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="days of events ending now (default 30)")
        parser.add_argument("--rate", type=float, default=generator.DEFAULT_RATE,
                            help=f"events a day on average (default {generator.DEFAULT_RATE})")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        days, rate = options["days"], options["rate"]
        if days < 1 or rate <= 0:
            raise CommandError("--days must be at least 1 and --rate positive")
        bar = tqdm(total=generator.expected(days, rate), unit="事件", disable=bool(options["no_progress"]))
        try:
            stats = generator.generate(days=days, rate=rate, seed=options["seed"], progress=bar.update)
        except RuntimeError as exc:
            raise CommandError(str(exc))
        except IntegrityError:
            raise CommandError("这些日期已用同一种子生成过事件（client_id 重复）：请换一个 --seed")
        finally:
            bar.total = bar.n  # the day counts vary around the rate: end the bar where it got to
            bar.close()
        kinds = ", ".join(f"{state} {n}" for state, n in sorted(stats.by_state.items()))
        self.stdout.write(f"事件 {stats.events}，步骤 {stats.steps}，审计 {stats.audit_rows}；"
                          f"用时 {stats.seconds:.1f}s（{stats.rate:.0f} 事件/秒）\n状态：{kinds}")
