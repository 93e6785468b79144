"""Load (or refresh) the event class table from the committed seed, or import an .xlsx file."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import audit
from core.errors import PlatformError
from events import classes


class Command(BaseCommand):
    help = "Load the event classes: the seed (events/data/event_classes.csv) or --xlsx FILE (the export layout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--xlsx", help="an .xlsx file in the export layout (old 4-digit codes are mapped)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            city = classes.city_code()
            if options.get("xlsx"):
                with audit.acting_as(name="load_event_classes", source="import"):
                    result = classes.classes_import(data=Path(options["xlsx"]).read_bytes(), division_code=city)
            else:
                result = classes.load_seed(division_code=city)
        except PlatformError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"新增 {len(result.created)}，更新 {len(result.updated)}，未变 {len(result.unchanged)}，"
                          f"旧编码对应 {len(result.mapped)}")
