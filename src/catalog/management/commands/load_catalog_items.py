"""Load the committed power catalog (catalog/data/items.csv, sources in SOURCES.md). Idempotent."""
from django.core.management.base import BaseCommand

from catalog.demo import load_items
from core import audit


class Command(BaseCommand):
    help = "Load the committed power catalog (权力事项) into the database; existing codes are left alone."

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        with audit.acting_as(name="load_catalog_items", source="import"):
            n = load_items()
        self.stdout.write(f"权力事项：新增 {n} 项")
