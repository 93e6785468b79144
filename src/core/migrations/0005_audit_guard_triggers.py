"""On PostgreSQL, the database itself keeps the audit log append-only (written by hand).

The ORM already refuses updates and deletes (core.models.AuditQuerySet); these triggers refuse
them from any SQL session of the platform's database user too:
- an UPDATE of `core_auditlog` is allowed only as the sealer's single write of `seal_seq` and
  `seal_hash` on a row not yet sealed, with every other column unchanged;
- a DELETE is allowed only for rows older than 180 days (the legal minimum retention; the purge
  command applies the configured, possibly longer, period);
- `core_auditanchor` takes no UPDATE or DELETE at all.
Someone who owns the tables can still disable a trigger: the HMAC-SM3 chain and the anchor file
catch what they change (core.auditchain). SQLite (the embedded development database) has no such
triggers: its test suites empty tables with DELETE.
"""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION core_auditlog_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD."at" > now() - interval '180 days' THEN
      RAISE EXCEPTION '审计日志保存期未满 180 天，不能删除（审计记录 %）', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.seal_seq IS NOT NULL
     OR (NEW.id, NEW."at", NEW.actor_id, NEW.actor_name, NEW.source, NEW.action, NEW.model, NEW.object_id,
         NEW.object_repr, NEW."before", NEW."after", NEW.reason, NEW.division_code)
        IS DISTINCT FROM
        (OLD.id, OLD."at", OLD.actor_id, OLD.actor_name, OLD.source, OLD.action, OLD.model, OLD.object_id,
         OLD.object_repr, OLD."before", OLD."after", OLD.reason, OLD.division_code) THEN
    RAISE EXCEPTION '审计日志只能追加，不能修改（审计记录 %）', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER core_auditlog_guard BEFORE UPDATE OR DELETE ON core_auditlog
  FOR EACH ROW EXECUTE FUNCTION core_auditlog_guard();

CREATE OR REPLACE FUNCTION core_auditanchor_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '审计链锚点只能追加（锚点 %）', OLD.id USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER core_auditanchor_guard BEFORE UPDATE OR DELETE ON core_auditanchor
  FOR EACH ROW EXECUTE FUNCTION core_auditanchor_guard();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS core_auditlog_guard ON core_auditlog;
DROP FUNCTION IF EXISTS core_auditlog_guard();
DROP TRIGGER IF EXISTS core_auditanchor_guard ON core_auditanchor;
DROP FUNCTION IF EXISTS core_auditanchor_guard();
"""


def _run(sql):  # noqa: ANN001, ANN202
    def run(apps, schema_editor):  # noqa: ANN001, ANN202
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # no placeholders: RAISE uses % itself
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_audit_chain_and_actions"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
