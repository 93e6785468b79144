from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import audit, workcal


class Command(BaseCommand):
    help = "Import holidays and make-up working days (date,kind,name CSV); the default is the seed file."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("path", nargs="?", help="CSV file; omitted = the shipped seed")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        path = options["path"]
        text = Path(path).read_text(encoding="utf-8") if path else workcal.seed_file_text()
        try:
            with audit.acting_as(name="import_calendar", source="import"):
                counts = workcal.import_calendar(text, source=path or "seed")
        except workcal.CalendarImportError as exc:
            raise CommandError("日历导入被拒绝，未写入任何数据：\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(f"导入 {counts['days']} 天，{counts['years']} 个年度")
