"""Nothing outside the user's scope is named, measured or listed by grids (issue 11 item 1): an
import's overlap check refuses an overlap with a hidden grid naming nothing; a worker's prefetched
memberships show only grids the reader may see."""
import json

import pytest
from rest_framework.test import APIClient
from shapely.geometry import mapping, shape

from core.testing.world import build_world
from grids import services
from grids.models import Grid, GridMembership, GridWorker
from grids.tests import fixtures

pytestmark = pytest.mark.django_db
TOWN_A, TOWN_B = "321002001000", "321002106000"


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def _feature(code: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": "越界网格"}, "geometry": geometry}


def test_an_overlap_with_hidden_grids_is_refused_naming_and_measuring_nothing():
    world = build_world()
    fixtures.lay_out(world)
    hidden = list(Grid.objects.filter(code__startswith=TOWN_B[:9], type="comprehensive").order_by("code")[:2])
    # a town-A grid drawn over two of town B's grids (coded in A's village: in the importer's scope)
    union = shape(json.loads(hidden[0].geometry)).union(shape(json.loads(hidden[1].geometry))).convex_hull
    collection = {"type": "FeatureCollection", "features": [_feature("321002001001099", mapping(union))]}
    response = _api(world.outsider).post("/api/grids/import/?dry_run=1", collection, format="json")
    assert response.status_code == 400
    problems = response.json()["error"]["fields"]["problems"]
    conflicts = [p for p in problems if services.HIDDEN_CONFLICT in p]
    assert len(conflicts) == 1  # once, however many hidden grids it overlaps
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "321002106" not in text and "湾头" not in text
    assert not any("重叠约" in p for p in problems)  # the hidden overlap's area is not measured either
    # the county sees both towns: the same overlap names the grids and their overlap
    county = _api(world.users["county-user"]).post("/api/grids/import/?dry_run=1", collection, format="json")
    named = "\n".join(county.json()["error"]["fields"]["problems"])
    assert hidden[0].code in named and hidden[1].code in named and "重叠约" in named


def test_a_workers_memberships_list_only_grids_the_reader_may_see():
    world = build_world()
    fixtures.lay_out(world)
    worker = GridWorker.objects.create(division_id="321002001001", name="跨镇兼职网格员")
    mine, theirs = fixtures.grid_in(TOWN_A), fixtures.grid_in(TOWN_B)
    GridMembership.objects.create(grid=mine, worker=worker, role="member")
    GridMembership.objects.create(grid=theirs, worker=worker, role="member")
    town_a = _api(world.outsider)
    for url in ("/api/grids/workers/", f"/api/grids/workers/{worker.pk}/"):
        body = town_a.get(url).json()
        row = body if "grids" in body else next(r for r in body["results"] if r["id"] == worker.pk)
        assert [g["code"] for g in row["grids"]] == [mine.code], url
        assert theirs.code not in json.dumps(body) and str(theirs.pk) not in [str(g["grid"]) for g in row["grids"]]
    county = _api(world.users["county-user"]).get(f"/api/grids/workers/{worker.pk}/").json()
    assert sorted(g["code"] for g in county["grids"]) == sorted([mine.code, theirs.code])


def test_filter_choices_and_filter_ids_show_nothing_of_another_town():
    world = build_world()
    fixtures.lay_out(world)
    theirs = fixtures.grid_in(TOWN_B)
    worker = GridWorker.objects.create(division_id="321002106001", name="湾头独有网格员")
    GridMembership.objects.create(grid=theirs, worker=worker, role="head")
    town_a = _api(world.outsider)
    for url in ("/api/grids/memberships/?format=api", "/api/grids/patrols/?format=api",
                "/api/grids/findings/?format=api"):
        page = town_a.get(url).content.decode()
        assert theirs.code not in page and "湾头独有网格员" not in page, url
    hidden = town_a.get(f"/api/grids/memberships/?grid={theirs.pk}")
    missing = town_a.get(f"/api/grids/memberships/?grid={10 ** 9}")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["error"] == missing.json()["error"]  # "exists elsewhere" answers as "does not exist"
    mine = _api(world.insider).get(f"/api/grids/memberships/?grid={theirs.pk}").json()
    assert [r["worker_name"] for r in mine["results"]] == ["湾头独有网格员"]
