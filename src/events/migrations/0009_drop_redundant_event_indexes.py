"""Drop indexes of events_event that no query needs: every index costs each intake's insert (and
each later update of an indexed column) work on the database server.

- the single-column `event_class` index: `(event_class, reported_at)` and `(event_class, lat, lng)`
  both lead with the column, so every lookup by class (and the PROTECT check when a class is
  deleted) uses one of them (EXPLAIN: a class's events and their count take events_class_reported);
- PostgreSQL only: the `varchar_pattern_ops` twins (`…_like`) Django adds beside a `CharField`
  or a foreign key to a character key with an index — `channel`, `level`, `town`, `county`,
  `village`. They serve only `LIKE 'prefix%'`, and nothing filters these columns by prefix (the
  subtree filters go through `division`, whose twin stays, as does `code`'s); equality lookups
  (a town's events, the per-county steps of assessment, open events of a level) use the plain
  index on the same column, which stays (EXPLAIN on PostgreSQL 15 before and after).

The model keeps `db_index=True` on the other fields (the plain indexes are what it declares);
the state changes only for `event_class`. Done by name, without Django rebuilding the table
(SQLite's AlterField would copy the whole events table).
"""
from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

LIKE_TWINS = ("channel", "level", "town", "county", "village")


def _index_name(schema_editor: Any, model: Any, field_name: str, suffix: str = "") -> str:
    field = model._meta.get_field(field_name)
    return str(schema_editor._create_index_name(model._meta.db_table, [field.column], suffix=suffix))


def drop(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("events", "Event")
    quote = schema_editor.quote_name
    names = [_index_name(schema_editor, event, "event_class")]
    if schema_editor.connection.vendor == "postgresql":
        names += [_index_name(schema_editor, event, name, "_like") for name in LIKE_TWINS]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


def recreate(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("events", "Event")
    field = event._meta.get_field("event_class")
    schema_editor.execute(schema_editor._create_index_sql(event, fields=[field]))
    if schema_editor.connection.vendor == "postgresql":
        for name in LIKE_TWINS:
            schema_editor.execute(schema_editor._create_like_index_sql(event, event._meta.get_field(name)))


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0008_add_step_action_at_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='event_class',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name='events',
                                            to='events.eventclass', verbose_name='事件类别'),
                ),
            ],
            database_operations=[migrations.RunPython(drop, recreate)],
        ),
    ]
