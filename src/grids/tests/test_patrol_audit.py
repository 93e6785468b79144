"""A patrol's audit grows linearly with its track (issue 12 item 6): each call that adds points
writes one compact row listing only the points it added. Before, every point re-encoded and audited
the whole track (300 points → 7.4 MB, growing with the square of the track). Sizes, not timings;
the figures for 300 and 1,000 points are in the benchmark (`bench/cases/patrol_audit.py`)."""
import json
import uuid

import pytest
from rest_framework.test import APIClient

from core.models import AuditLog
from core.testing.world import build_world
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def _row_bytes(row: AuditLog) -> int:
    text = [row.actor_name, row.source, row.action, row.model, row.object_id, row.object_repr, row.reason,
            row.division_code, json.dumps(row.before, ensure_ascii=False), json.dumps(row.after, ensure_ascii=False)]
    return sum(len(t.encode("utf-8")) for t in text)


def test_audit_bytes_per_point_are_constant_as_the_track_grows():
    world = build_world()
    fixtures.lay_out(world)
    user = world.user("gw", "321002001001", ["grid_worker"])
    grid = fixtures.grid_in("321002001000")
    fixtures.team_for(grid, user)
    api = APIClient()
    api.force_authenticate(user)
    pid = api.post("/api/grids/patrols/", {"uuid": str(uuid.uuid4())}, format="json").json()["id"]
    first = AuditLog.objects.order_by("-id").values_list("id", flat=True).first()
    sizes = []
    for seq in range(150):  # one point per call, as a phone sends them
        point = {"lat": grid.centroid_lat + seq * 1e-6, "lng": grid.centroid_lng + seq * 1e-6, "seq": seq,
                 "t": f"2026-01-05T09:{seq // 60:02d}:{seq % 60:02d}+08:00"}
        response = api.post(f"/api/grids/patrols/{pid}/points/", {"points": [point]}, format="json")
        assert response.status_code == 200
        rows = list(AuditLog.objects.filter(id__gt=first).order_by("id"))
        sizes.append(sum(_row_bytes(r) for r in rows))
    per_call = [b - a for a, b in zip([0, *sizes], sizes, strict=False)]
    # every call adds one small row of the same size (up to the digits of the numbers in it)
    assert max(per_call) - min(per_call) <= 16, (min(per_call), max(per_call))
    assert max(per_call) < 400
    assert 2.95 <= sizes[149] / sizes[49] <= 3.05  # linear: three times the points, three times the bytes
    written = AuditLog.objects.filter(id__gt=first)
    assert written.count() == 150 and {r.model for r in written} == {"grids.Patrol"}
    assert written.order_by("id").last().after == {"points_added": [[149, pytest.approx(grid.centroid_lng + 149e-6),
                                                   pytest.approx(grid.centroid_lat + 149e-6),
                                                   "2026-01-05T09:02:29+08:00"]]}
    # a retried call adds no row at all
    api.post(f"/api/grids/patrols/{pid}/points/", {"points": [{"lat": grid.centroid_lat, "lng": grid.centroid_lng,
                                                               "seq": 3}]}, format="json")
    assert AuditLog.objects.filter(id__gt=first).count() == 150
