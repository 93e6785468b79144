"""Export grids as a GeoJSON FeatureCollection (the import format)."""
import json
import sys

from django.core.management.base import BaseCommand

from core.scoping import code_prefix
from grids import services
from grids.models import Grid


class Command(BaseCommand):
    help = "导出网格 GeoJSON（可按区划代码筛选）"

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("--division", help="12 位区划代码（其下全部网格）")
        parser.add_argument("--output", help="输出文件（默认标准输出）")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        grids = Grid.objects.all()
        if options.get("division"):
            grids = grids.filter(division__code__startswith=code_prefix(options["division"]))
        text = json.dumps(services.grids_export(grids=grids), ensure_ascii=False)
        if options.get("output"):
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
