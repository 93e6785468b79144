"""Patrols: start, points, findings (photo in MEDIA), end; retried submissions do not duplicate."""
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.models import AuditLog
from core.testing.world import build_world
from grids.models import Finding, Patrol
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def _setup():  # noqa: ANN202
    world = build_world()
    fixtures.lay_out(world)
    user = world.user("gw", "321002001001", ["grid_worker"])
    grid = fixtures.grid_in("321002001000")
    fixtures.team_for(grid, user)
    api = APIClient()
    api.force_authenticate(user)
    return world, api, grid


def test_a_patrol_is_stored_as_points_with_timestamps_duration_grids_and_findings(
        settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = str(tmp_path)
    world, api, grid = _setup()
    pid = str(uuid.uuid4())
    lat, lng = grid.centroid_lat, grid.centroid_lng
    r = api.post("/api/grids/patrols/", {"uuid": pid, "lat": lat, "lng": lng}, format="json")
    assert r.status_code == 201, r.content
    patrol_id = r.json()["id"]
    again = api.post("/api/grids/patrols/", {"uuid": pid, "lat": lat, "lng": lng}, format="json")
    assert again.status_code == 200 and again.json()["id"] == patrol_id
    points = {"points": [{"lat": lat + 0.0002, "lng": lng, "seq": 1, "t": "2026-01-05T09:00:00+08:00"},
                         {"lat": lat + 0.0004, "lng": lng + 0.0002, "seq": 2}]}
    first = api.post(f"/api/grids/patrols/{patrol_id}/points/", points, format="json")
    assert first.status_code == 200 and first.json() == {"patrol": patrol_id, "status": "active", "received": 2,
                                                         "added": 2, "points": 3}
    again = api.post(f"/api/grids/patrols/{patrol_id}/points/", points, format="json")  # retried
    assert again.status_code == 200 and again.json()["added"] == 0 and again.json()["points"] == 3
    fid = str(uuid.uuid4())
    photo = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/grids/patrols/{patrol_id}/findings/", {"uuid": fid, "category": "safety",
                     "description": "电动车楼道充电", "lat": lat, "lng": lng, "photo": photo}, format="multipart")
    assert r.status_code == 201, r.content
    r2 = api.post(f"/api/grids/patrols/{patrol_id}/findings/", {"uuid": fid, "category": "safety",
                  "description": "电动车楼道充电", "lat": lat, "lng": lng}, format="json")
    assert r2.status_code == 200 and Finding.objects.count() == 1
    finding = Finding.objects.get()
    assert finding.status == "unreported" and finding.grid_id == grid.pk
    assert default_storage.open(finding.photo).read() == b"\xff\xd8\xff\xe0fakejpeg"
    ended = api.post(f"/api/grids/patrols/{patrol_id}/end/").json()
    assert ended["status"] == "ended" and grid.code in ended["grids_covered"]
    assert ended["track"]["type"] == "LineString" and len(ended["track"]["coordinates"]) == 3
    assert len(ended["timestamps"]) == 3 and ended["distance_m"] > 0 and ended["points"] == 3
    assert ended["timestamps"][1] == "2026-01-05T09:00:00+08:00"
    assert api.post(f"/api/grids/patrols/{patrol_id}/end/").status_code == 200  # ending twice is harmless
    r = api.post(f"/api/grids/patrols/{patrol_id}/points/", points, format="json")
    assert r.status_code == 409
    assert Patrol.objects.count() == 1
    assert AuditLog.objects.filter(model="grids.Patrol", action="update").exists()
    assert AuditLog.objects.filter(model="grids.Finding", action="create").count() == 1


def test_bad_input_is_refused_with_a_message():
    world, api, grid = _setup()
    r = api.post("/api/grids/patrols/", {"uuid": "nope"}, format="json")
    assert r.status_code == 400
    pid = api.post("/api/grids/patrols/", {"uuid": str(uuid.uuid4())}, format="json").json()["id"]
    r = api.post(f"/api/grids/patrols/{pid}/points/", {"points": [{"lat": "x", "lng": 1}]}, format="json")
    assert r.status_code == 400 and "坐标" in r.json()["error"]["message"]
    r = api.post(f"/api/grids/patrols/{pid}/findings/", {"uuid": str(uuid.uuid4()), "category": "nope",
                 "description": "x", "lat": 32.4, "lng": 119.4}, format="json")
    assert r.status_code == 400 and Finding.objects.count() == 0
    stranger = APIClient()
    stranger.force_authenticate(world.users["county-user"])  # may read, but is no grid worker
    r = stranger.post("/api/grids/patrols/", {"uuid": str(uuid.uuid4())}, format="json")
    assert r.status_code == 403 and "网格员" in r.json()["error"]["message"]
    assert stranger.get(f"/api/grids/patrols/{pid}/").status_code == 200


def test_daily_coverage_shows_who_patrolled_which_grid():
    world, api, grid = _setup()
    pid = api.post("/api/grids/patrols/", {"uuid": str(uuid.uuid4()), "lat": grid.centroid_lat,
                                           "lng": grid.centroid_lng}, format="json").json()["id"]
    api.post(f"/api/grids/patrols/{pid}/end/")
    boss = APIClient()
    boss.force_authenticate(world.users["county-user"])
    body = boss.get("/api/grids/coverage/?division=321002001000").json()
    row = next(r for r in body["results"] if r["code"] == grid.code)
    assert row["patrolled"] and row["by"] == ["测试网格员"]
    assert body["patrolled"] == 1 and body["count"] == 5
    week = boss.get("/api/grids/analysis/?division=321002001000").json()
    assert week["patrols"] == 1 and week["patrolled_grids"] == 1 and len(week["not_patrolled"]) == 3
