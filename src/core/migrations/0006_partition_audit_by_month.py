"""On PostgreSQL, the audit log becomes a table partitioned by month on `at` (issue 15 item 3;
core/partitions.py says what changes and why). SQLite keeps its plain table.

The guard trigger of 0005 is created again on the partitioned table (PostgreSQL clones it onto every
partition); the unique index on the chain position includes `at`, as every unique index of a
partitioned table must (the sealer serialises itself with an advisory lock instead)."""
from django.db import migrations

from core import partitions

TABLE = "core_auditlog"
UNIQUE = {"audit_seal_seq_unique": 'CREATE UNIQUE INDEX "audit_seal_seq_unique" ON "core_auditlog" '
                                   '("seal_seq", "at") WHERE "seal_seq" IS NOT NULL'}
UNIQUE_BACK = {"audit_seal_seq_unique": 'CREATE UNIQUE INDEX "audit_seal_seq_unique" ON "core_auditlog" '
                                        '("seal_seq") WHERE "seal_seq" IS NOT NULL'}
TRIGGER = ("CREATE TRIGGER core_auditlog_guard BEFORE UPDATE OR DELETE ON core_auditlog "
           "FOR EACH ROW EXECUTE FUNCTION core_auditlog_guard()")


def forward(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor != "postgresql":
        return
    partitions.convert(schema_editor, TABLE, unique=UNIQUE)
    schema_editor.execute(TRIGGER, params=None)


def backward(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor != "postgresql":
        return
    partitions.unconvert(schema_editor, TABLE, unique=UNIQUE_BACK)
    schema_editor.execute(TRIGGER, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_audit_guard_triggers"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
