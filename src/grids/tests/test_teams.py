"""一格一长多员: exactly one head per grid (service + DB), several grids per person, gaps for the town."""
import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from core.errors import Conflict
from core.models import AuditLog
from core.testing.world import build_world
from grids import services
from grids.models import GridMembership
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def test_exactly_one_head_per_grid():
    world = build_world()
    fixtures.lay_out(world)
    grid = fixtures.grid_in("321002001000")
    a = services.worker_create(division=world.divisions["321002001001"], name="张网格长")
    b = services.worker_create(division=world.divisions["321002001001"], name="李网格员", kind="part_time")
    services.membership_add(grid=grid, worker=a, role="head")
    with pytest.raises(Conflict):
        services.membership_add(grid=grid, worker=b, role="head")
    with pytest.raises(IntegrityError), transaction.atomic():
        GridMembership.objects.create(grid=grid, worker=b, role="head")
    services.membership_add(grid=grid, worker=b, role="head", replace_head=True)
    roles = dict(GridMembership.objects.filter(grid=grid).values_list("worker__name", "role"))
    assert roles == {"张网格长": "member", "李网格员": "head"}
    assert AuditLog.objects.filter(model="grids.GridMembership", action="update").exists()
    assert AuditLog.objects.filter(model="grids.GridWorker", action="create").count() == 2


def test_a_person_may_serve_several_grids_and_the_town_sees_gaps():
    world = build_world()
    fixtures.lay_out(world)
    api = APIClient()
    api.force_authenticate(world.users["county-user"])
    grids = list(fixtures.grid_in("321002001000").division.grids.order_by("code")[:2])
    worker = api.post("/api/grids/workers/", {"division": "321002001001", "name": "王兼职", "kind": "part_time"},
                      format="json").json()
    for g in grids:
        r = api.post("/api/grids/memberships/", {"grid": g.pk, "worker": worker["id"], "role": "member"}, format="json")
        assert r.status_code == 201, r.content
    assert len(api.get(f"/api/grids/workers/{worker['id']}/").json()["grids"]) == 2
    head = api.post("/api/grids/workers/", {"division": "321002001001", "name": "赵网格长"}, format="json").json()
    assert api.post("/api/grids/memberships/", {"grid": grids[0].pk, "worker": head["id"], "role": "head"},
                    format="json").status_code == 201
    other = api.post("/api/grids/workers/", {"division": "321002001001", "name": "钱"}, format="json").json()
    r = api.post("/api/grids/memberships/", {"grid": grids[0].pk, "worker": other["id"], "role": "head"}, format="json")
    assert r.status_code == 409 and "网格长" in r.json()["error"]["message"]
    gaps = api.get("/api/grids/gaps/?division=321002001000").json()
    assert grids[0].code not in {g["code"] for g in gaps["no_head"]}
    assert grids[1].code in {g["code"] for g in gaps["no_head"]}
    assert grids[0].code not in {g["code"] for g in gaps["no_workers"]}
    missing = api.get("/api/grids/?missing=head&division=321002001000").json()
    assert grids[1].code in {r["code"] for r in missing["results"]}
    r = api.post("/api/grids/workers/", {"division": "321002000000", "name": "县里的人"}, format="json")
    assert r.status_code == 400
    team = api.get(f"/api/grids/{grids[0].pk}/team/").json()
    assert team["head"]["name"] == "赵网格长" and len(team["members"]) == 2
