"""Migration 0002 moves every stored track (one LineString per patrol, with its timestamps and
point seqs) into append-only PatrolPoint rows, in order, and sets the point count."""
import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("grids", "0001_initial")]
AFTER = [("grids", "0002_patrol_points_append_only")]


@pytest.mark.django_db(transaction=True)
def test_stored_tracks_become_points():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Division = old.get_model("divisions", "Division")
        Division.objects.create(code="321002001001", name="琼花观社区", level="village", kind="社区")
        worker = old.get_model("grids", "GridWorker").objects.create(division_id="321002001001", name="老网格员")
        Patrol = old.get_model("grids", "Patrol")
        start = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)
        line = Patrol.objects.create(
            worker=worker, division_id="321002001001", started_at=start, status="ended",
            track=json.dumps({"type": "LineString", "coordinates": [[119.40, 32.40], [119.41, 32.41], [119.42, 32.40]]}),
            timestamps=["2026-01-05T09:00:00+08:00", "2026-01-05T09:05:00+08:00", "bad"], point_seqs=[3, 7, 9])
        single = Patrol.objects.create(worker=worker, division_id="321002001001", started_at=start,
                                       track=json.dumps({"type": "Point", "coordinates": [119.4, 32.4]}))
        Patrol.objects.create(worker=worker, division_id="321002001001", started_at=start)  # no track
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Point = new.get_model("grids", "PatrolPoint")
        rows = list(Point.objects.filter(patrol_id=line.pk).order_by("seq").values_list("seq", "lng", "lat", "t"))
        assert [r[:3] for r in rows] == [(3, 119.40, 32.40), (7, 119.41, 32.41), (9, 119.42, 32.40)]
        assert rows[1][3] == dt.datetime(2026, 1, 5, 1, 5, tzinfo=dt.UTC)
        assert rows[2][3] == start  # an unreadable time falls back to the patrol's start
        assert list(Point.objects.filter(patrol_id=single.pk).values_list("seq", "lng", "lat")) == [(0, 119.4, 32.4)]
        counts = dict(new.get_model("grids", "Patrol").objects.values_list("pk", "point_count"))
        assert counts[line.pk] == 3 and counts[single.pk] == 1 and sorted(counts.values()) == [0, 1, 3]
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
