"""Import grids from a GeoJSON FeatureCollection (validated first; refused as a whole)."""
import json

from django.core.management.base import BaseCommand, CommandError

from core import audit
from core.scoping import Scope
from grids import services


class Command(BaseCommand):
    help = "导入网格 GeoJSON（先校验：自相交、综合网格重叠、未覆盖村界、编码与区划不符，任何问题都整体拒绝）"

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--crs", choices=["wgs84", "gcj02"], help="坐标系（缺省按文件的 crs；gcj02 时转换为 WGS84）")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        try:
            with open(options["path"], encoding="utf-8-sig") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取 GeoJSON：{exc}")
        with audit.acting_as(name="import_grids", source="import"):
            result = services.grids_import(collection=data, scope=Scope(None, everything=True),
                                           dry_run=options["dry_run"], note=f"导入 {options['path']}",
                                           crs=options.get("crs"))
        if result.problems:
            raise CommandError("导入被拒绝，未做任何修改：\n" + "\n".join(p["text"] for p in result.problems))
        self.stdout.write(f"{'校验通过（未写入）' if result.dry_run else '导入完成'}：新增 {len(result.created)}，"
                          f"修改 {len(result.updated)}，未变 {len(result.unchanged)}")
