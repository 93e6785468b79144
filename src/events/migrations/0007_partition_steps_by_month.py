"""On PostgreSQL, event steps become a table partitioned by month on `at` (issue 15 item 3;
core/partitions.py says what changes and why). SQLite keeps its plain table.

A foreign key to a partitioned table needs a unique key on the referenced columns alone, which a
partitioned table cannot have on `id`; so the photo's `step` stays a column (and an ORM relation)
without a database constraint, on every database. `(event, seq)` is unique per `at` on PostgreSQL:
a step is written only after the compare-and-set on the event's version, which is what keeps one
step per version."""
import django.db.models.deletion
from django.db import migrations, models

from core import partitions

TABLE = "events_step"
UNIQUE = {"events_one_step_per_version": 'ALTER TABLE "events_step" ADD CONSTRAINT "events_one_step_per_version" '
                                         'UNIQUE ("event_id", "seq", "at")'}
UNIQUE_BACK = {"events_one_step_per_version": 'ALTER TABLE "events_step" ADD CONSTRAINT '
                                              '"events_one_step_per_version" UNIQUE ("event_id", "seq")'}


def forward(apps, schema_editor):  # noqa: ANN001, ANN201
    partitions.convert(schema_editor, TABLE, unique=UNIQUE)


def backward(apps, schema_editor):  # noqa: ANN001, ANN201
    partitions.unconvert(schema_editor, TABLE, unique=UNIQUE_BACK)


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_index_days_by_division"),
    ]

    operations = [
        migrations.AlterField(
            model_name="eventphoto",
            name="step",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="photos",
                                    to="events.step", verbose_name="步骤"),
        ),
        migrations.RunPython(forward, backward),
    ]
