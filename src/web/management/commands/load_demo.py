"""Load the Yangzhou demo: divisions, then each app's `demo.load` in layer order (by convention)."""
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.security import production
from core.conventions import optional_module

# accounts loads after org (it attaches units) but before catalog and the rest (they need users);
# assess after events (it computes results from the demo's events, patrols and cases).
ORDER = ["org", "accounts", "catalog", "flows", "grids", "events", "assess", "sharing"]


class Command(BaseCommand):
    help = "Load the Yangzhou demo into the database (each part skips itself when already loaded)."

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        if production():  # before anything is written: the org demo (staff, posts) loads before accounts
            raise CommandError("生产模式（PLATFORM_MODE=production）不加载演示数据与演示账号")
        started = time.monotonic()
        call_command("import_divisions", stdout=self.stdout)
        for app in [a for a in ORDER if a in settings.PLATFORM_APPS]:
            module = optional_module(app, "demo")
            if module is None:
                continue
            t0 = time.monotonic()
            module.load(self.stdout.write)
            _analyze()
            self.stdout.write(f"  ({app} {time.monotonic() - t0:.1f}s)")
        self.stdout.write(f"演示数据加载完成，用时 {time.monotonic() - started:.1f}s")


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics after each bulk-loaded part.

    The next part queries what the last one inserted (events route through 69,874 responsibility
    rows). Without statistics — autovacuum cannot see rows of a transaction still open, as in a
    test — the planner takes the new tables for empty and a per-town join ran for minutes.
    ANALYZE is allowed inside a transaction and counts the transaction's own rows.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
