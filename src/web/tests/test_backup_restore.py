"""Issue 15 acceptance: "A pg_dump / pg_restore round trip in CI restores a database whose event
counts and audit rows match." deploy/backup.sh dumps a small dataset (divisions, units, catalog,
grids, users, events reported through the API with their steps, outbox work, and the audit rows
all of that wrote) from the suite's PostgreSQL database;
deploy/restore.sh loads it into a fresh database; every table's row count and a checksum over
every audit row (all columns, in id order) are the same on both sides. Skipped without PostgreSQL.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from core.models import AuditLog
from events.models import Event, Step
from events.tests import factory
from notify.services import notify
from org.models import Unit

REPO = Path(__file__).resolve().parents[3]
SUITE_DB = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SUITE_DB.startswith(("postgres://", "postgresql://"))

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not ON_POSTGRES, reason="needs ./test --postgres")]


def _url(name: str) -> str:
    return SUITE_DB.rsplit("/", 1)[0] + "/" + name


def _query(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        cursor = db.execute(sql)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []


def _counts(url: str) -> dict[str, int]:
    tables = [t for (t,) in _query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    return {t: _query(url, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


def _audit_checksum(url: str) -> str:
    table = AuditLog._meta.db_table
    [(digest,)] = _query(url, f'SELECT md5(string_agg(t::text, E\'\\n\' ORDER BY t.id)) FROM "{table}" t')
    return digest


def _script(name: str, *args: str, url: str, home: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL"))}
    env.update({"DATABASE_URL": url, "VAR_DIR": str(home), "PLATFORM_VENV": str(Path(sys.executable).parent.parent),
                **extra})
    return subprocess.run([str(REPO / "deploy" / name), *args], env=env, capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL)


@pytest.fixture
def target() -> Iterator[str]:
    import psycopg

    name = f"restore_{os.getpid()}"
    with psycopg.connect(SUITE_DB, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {name}")
    yield _url(name)
    with psycopg.connect(SUITE_DB, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_backup_then_restore_gives_the_same_rows_and_audit_trail(tmp_path: Path, target: str) -> None:
    ew = factory.build()  # divisions, units, catalog, grids, users
    api = APIClient()
    api.force_authenticate(ew.users["worker"])
    for n in range(6):
        lat, lng = factory.point_in(ew.grid_a)
        made = api.post("/api/events/", {"category": "06010", "lat": lat, "lng": lng, "description": f"巷口暴露垃圾 {n}",
                                         "channel": "grid", "client_id": f"backup-{n}"}, format="json")
        assert made.status_code == 201, made.content
    with transaction.atomic():
        for n in range(5):
            notify([ew.world.insider], "overdue", f"事件 {n} 已超期", key=f"event:{n}:overdue")
    source = _url(connection.settings_dict["NAME"])
    before = _counts(source)
    assert before[AuditLog._meta.db_table] >= 20 and before[Event._meta.db_table] == 6
    assert before[Unit._meta.db_table] >= 3 and before[Step._meta.db_table] >= 6

    dump = tmp_path / "backups" / "nightly.dump"
    backup = _script("backup.sh", str(dump), url=source, home=tmp_path)
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.strip() == str(dump) and dump.stat().st_size > 0
    assert not dump.with_name("nightly.dump.partial").exists()

    restored = _script("restore.sh", str(dump), "--yes", url=target, home=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert _counts(target) == before
    assert _audit_checksum(target) == _audit_checksum(source)
    assert _query(target, "SELECT max(id) FROM django_migrations") == _query(source, "SELECT max(id) FROM django_migrations")

    # Over a database that holds tables, restore asks first; without an answer nothing changes.
    _query(target, f'DELETE FROM "{Step._meta.db_table}"')
    refused = _script("restore.sh", str(dump), url=target, home=tmp_path)
    assert refused.returncode != 0 and "not restored" in refused.stderr
    assert _counts(target)[Step._meta.db_table] == 0


def test_automatic_backups_keep_the_newest(tmp_path: Path) -> None:
    source = _url(connection.settings_dict["NAME"])
    made = []
    for _ in range(3):
        done = _script("backup.sh", url=source, home=tmp_path, BACKUP_KEEP="2")
        assert done.returncode == 0, done.stderr
        made.append(Path(done.stdout.strip()))
        time.sleep(1.05)  # names carry the second
    assert sorted((tmp_path / "backups").glob("jczl-*.dump")) == made[1:]
