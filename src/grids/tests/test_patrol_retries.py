"""Retries with the same client id answer 200 with the first row (issue 11 item 11), also when
twenty arrive at once from threads released together — on PostgreSQL (`./test --postgres -k
retries`) as on SQLite. Insert-or-return (`core.inserts`): one statement decides, so no retry can
see "no row yet" and then fail on the unique index."""
import json
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.testing.world import build_world
from grids.models import Finding, Patrol, PatrolPoint
from grids.tests import fixtures

THREADS = 20
SRC = Path(__file__).resolve().parents[2]


def _together(call: Callable[[], Any]) -> list[Any]:
    """Run `call` in THREADS threads released at the same moment; each thread its own connection."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(n: int) -> None:
        try:
            barrier.wait()
            results[n] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


def _setup():  # noqa: ANN202
    world = build_world()
    fixtures.lay_out(world)
    user = world.user("gw", "321002001001", ["grid_worker"])
    grid = fixtures.grid_in("321002001000")
    fixtures.team_for(grid, user)
    return user, grid


def _post(user, url: str, body: dict) -> Callable[[], tuple[int, dict]]:  # noqa: ANN001
    def call() -> tuple[int, dict]:
        api = APIClient()
        api.force_authenticate(user)
        response = api.post(url, body, format="json")
        return response.status_code, response.json()
    return call


def _scenario() -> dict:
    """Twenty concurrent retries of a start, of a point batch and of a finding (committed data)."""
    user, grid = _setup()
    lat, lng = grid.centroid_lat, grid.centroid_lng
    started = _together(_post(user, "/api/grids/patrols/", {"uuid": str(uuid.uuid4()), "lat": lat, "lng": lng}))
    errors = [repr(r) for r in started if not isinstance(r, tuple)]
    patrol_id = started[0][1].get("id") if not errors and started[0][0] < 300 else None
    out: dict = {"errors": errors, "start": sorted(Counter(c for c, _ in started if not errors).items()),
                 "start_ids": len({b.get("id") for _, b in started}) if not errors else 0,
                 "patrols": Patrol.objects.count()}
    if patrol_id is None:
        return out
    batch = {"points": [{"lat": lat + k * 1e-5, "lng": lng, "seq": k} for k in range(1, 6)]}
    added = _together(_post(user, f"/api/grids/patrols/{patrol_id}/points/", batch))
    out["errors"] += [repr(r) for r in added if not isinstance(r, tuple)]
    out["points_codes"] = sorted({r[0] for r in added if isinstance(r, tuple)})
    out["added"] = sum(r[1].get("added", 0) for r in added if isinstance(r, tuple))
    out["points"] = PatrolPoint.objects.filter(patrol_id=patrol_id).count()
    found = _together(_post(user, f"/api/grids/patrols/{patrol_id}/findings/",
                            {"uuid": str(uuid.uuid4()), "category": "safety", "description": "楼道堆物",
                             "lat": lat, "lng": lng}))
    out["errors"] += [repr(r) for r in found if not isinstance(r, tuple)]
    out["finding"] = sorted(Counter(r[0] for r in found if isinstance(r, tuple)).items())
    out["finding_ids"] = len({r[1].get("id") for r in found if isinstance(r, tuple)})
    out["findings"] = Finding.objects.count()
    return out


EXPECTED = {"errors": [], "start": [(200, THREADS - 1), (201, 1)], "start_ids": 1, "patrols": 1,
            "points_codes": [200], "added": 5, "points": 6,  # the start point and the five
            "finding": [(200, THREADS - 1), (201, 1)], "finding_ids": 1, "findings": 1}


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_retries_store_one_row_each():
    """In the suite's own database. On SQLite that database is in memory with a shared cache, whose
    table locks fail at once ("database table is locked") instead of waiting for busy_timeout: SQLite
    cannot run these threads concurrently there, so this runs on PostgreSQL only; the next test runs
    the same scenario on an SQLite file configured as production (WAL, IMMEDIATE, busy_timeout)."""
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory shared-cache SQLite test database cannot run concurrent writers; "
                    "see the file-database test below")
    assert _scenario() == EXPECTED


SCRIPT = r"""
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from grids.tests.test_patrol_retries import _scenario
print(json.dumps(_scenario()))
"""


def test_twenty_concurrent_retries_on_an_sqlite_file_database(tmp_path):
    """The production SQLite configuration (a WAL file, IMMEDIATE transactions, busy_timeout)
    serialises the twenty writers; run in a subprocess on its own file database."""
    env = {**os.environ, "TESTING": "1", "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'retries.sqlite3'}", "PYTHONPATH": str(SRC),
           "HUEY_IMMEDIATE": "1"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=SRC, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == json.loads(json.dumps(EXPECTED))


@pytest.mark.django_db
def test_a_retry_answers_200_with_the_first_row_and_another_workers_uuid_is_a_conflict():
    user, grid = _setup()
    api = APIClient()
    api.force_authenticate(user)
    pid = str(uuid.uuid4())
    first = api.post("/api/grids/patrols/", {"uuid": pid, "started_at": "2026-01-05T09:00:00+08:00"}, format="json")
    again = api.post("/api/grids/patrols/", {"uuid": pid, "started_at": "2026-01-05T10:00:00+08:00"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["started_at"] == first.json()["started_at"]
    from grids.models import GridWorker

    stranger = user.__class__.objects.create(username="gw2", division_id="321002001001", roles=["grid_worker"])
    GridWorker.objects.create(division_id="321002001001", name="另一网格员", user=stranger)
    other = APIClient()
    other.force_authenticate(stranger)
    taken = other.post("/api/grids/patrols/", {"uuid": pid}, format="json")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "uuid_taken"
    assert Patrol.objects.count() == 1
