"""A report being built does not starve other writers on SQLite (issue 14 item 5, newcomer's
finding: while a county month was built inside `transaction.atomic` — on SQLite `BEGIN IMMEDIATE`,
the one write lock — logins and `POST /api/events/` failed with "database is locked" after the
10 s busy timeout). The build now reads outside any transaction and stores in one short one.

Real SQLite file in WAL mode, as `./run` uses it (the suite's in-memory test database cannot show
it), in a child process (`report_lock_probe`): a build slowed to 4 s inside its read-only part,
and an event intake taken meanwhile must succeed within 2 s. On the old code the intake waited for
the whole build (then failed after 10 s)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]


def _manage(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}", "VAR_DIR": str(home),
           "MEDIA_ROOT": str(home / "media"), "HUEY_IMMEDIATE": "False", "TESTING": "1",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=SRC, env=env, capture_output=True, text=True,
                          timeout=600)


def test_an_event_intake_succeeds_within_two_seconds_while_a_report_is_built(tmp_path: Path) -> None:
    migrated = _manage(tmp_path, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    got = _manage(tmp_path, "shell", "-c", "from assess.tests.report_lock_probe import main; main()")
    lines = [line for line in got.stdout.splitlines() if line.startswith("PROBE ")]
    assert got.returncode == 0 and lines, (got.stdout[-2000:], got.stderr[-3000:])
    probe = json.loads(lines[-1].removeprefix("PROBE "))
    assert probe["vendor"] == "sqlite" and probe["journal_mode"] == "wal", probe
    assert probe["build_running_during_intake"] is True, probe       # the intake really overlapped the build
    assert "intake_error" not in probe and probe["intake_ok"] is True, probe
    assert probe["intake_seconds"] < 2.0, probe
    assert "build_error" not in probe and probe["report_status"] == "done", probe
