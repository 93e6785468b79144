from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import audit
from divisions.services import DivisionImportError, division_import

DEFAULT = Path(__file__).resolve().parents[2] / "data" / "yangzhou_divisions.csv"


class Command(BaseCommand):
    help = "Import a division CSV (code,name,level,parent_code); default: the shipped Yangzhou file."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("path", nargs="?", default=str(DEFAULT))

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        try:
            text = Path(options["path"]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {options['path']}: {exc}") from exc
        try:
            with audit.acting_as(name="import_divisions", source="import"):
                result = division_import(text=text)
        except DivisionImportError as exc:
            raise CommandError("区划导入被拒绝，数据库未作任何修改：\n" + "\n".join(exc.errors)) from exc
        levels = "，".join(f"{k} {v}" for k, v in sorted(result.by_level.items()))
        self.stdout.write(
            f"区划导入完成：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}（{levels}）"
        )
