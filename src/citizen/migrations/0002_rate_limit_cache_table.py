"""The database table behind the "ratelimit" cache (settings.CACHES) where no Redis is configured.

Written by hand. `createcachetable` is idempotent (it creates only missing tables) and does
nothing for a Redis cache, so every database that migrates — `./run`, `deploy/migrate.sh`, the
test databases — has the table the citizen report limits count in.
"""
from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("citizen", "0001_citizen_report"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
