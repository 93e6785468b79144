"""Locating: inside → grid, village, town, county; outside → inside:false; malformed → 400;
after an import the running server (this process and another) locates with the new grids."""
import pytest
from rest_framework.test import APIClient

from core import cachegen
from core.testing.world import build_world
from grids import geo, locator
from grids.models import Grid
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_point_inside_a_grid_is_located_to_grid_village_town_county():
    world = build_world()
    fixtures.lay_out(world)
    grid = fixtures.grid_in("321002001000")
    lat, lng = fixtures.inside_point(grid)
    body = _api(world.users["city-user"]).get(f"/api/grids/locate/?lat={lat}&lng={lng}").json()
    assert body["inside"] is True
    assert body["grids"][0]["code"] == grid.code and body["grids"][0]["type"] == "comprehensive"
    assert body["village"] == {"code": "321002001001", "name": "琼花观社区居委会"}
    assert body["town"] == {"code": "321002001000", "name": "东关街道"}
    assert body["county"] == {"code": "321002000000", "name": "广陵区"}


def test_specialised_grid_is_listed_beside_the_comprehensive_one():
    world = build_world()
    fixtures.lay_out(world)
    special = fixtures.grid_in("321002001000", "specialised")
    body = _api(world.users["city-user"]).get(
        f"/api/grids/locate/?lat={special.centroid_lat}&lng={special.centroid_lng}").json()
    types = [g["type"] for g in body["grids"]]
    assert types[0] == "comprehensive" and "specialised" in types


def test_outside_all_grids_is_inside_false_and_malformed_is_400():
    world = build_world()
    fixtures.lay_out(world)
    api = _api(world.users["city-user"])
    body = api.get("/api/grids/locate/?lat=31.0&lng=118.0").json()
    assert body["inside"] is False and body["grids"] == [] and body["village"] is None
    for query in ("lat=abc&lng=119", "lat=32", "lat=95&lng=119", "lat=32&lng=119&crs=bd09", ""):
        r = api.get(f"/api/grids/locate/?{query}")
        assert r.status_code == 400, query
        assert r.json()["error"]["code"] == "bad_coordinates"


def test_gcj02_coordinates_are_converted():
    world = build_world()
    fixtures.lay_out(world)
    grid = fixtures.grid_in("321002106000")
    glng, glat = geo.wgs84_to_gcj02(grid.centroid_lng, grid.centroid_lat)
    body = _api(world.users["city-user"]).get(f"/api/grids/locate/?lat={glat}&lng={glng}&crs=gcj02").json()
    assert body["grids"][0]["code"] == grid.code
    assert abs(body["point"][0] - grid.centroid_lng) < 1e-7


def _new_town_c_grids(api):  # noqa: ANN001, ANN202
    """Move town C's grid codes: re-import its export with the first grid renamed to a new code."""
    exported = api.get("/api/grids/export/?division=321003001000").json()
    comp = [f for f in exported["features"] if f["properties"]["type"] == "comprehensive"]
    first = comp[0]
    retired = {**first, "properties": {**first["properties"], "status": "retired"}}
    fresh = {**first, "properties": {**first["properties"], "code": "321003001001900", "name": "新网格"}}
    return {"type": "FeatureCollection", "features": [retired, fresh]}, first


def test_after_an_import_this_process_locates_with_the_new_grids():
    world = build_world()
    fixtures.lay_out(world)
    api = _api(world.users["city-user"])
    collection, first = _new_town_c_grids(api)
    grid = Grid.objects.get(code=first["properties"]["code"])
    url = f"/api/grids/locate/?lat={grid.centroid_lat}&lng={grid.centroid_lng}"
    assert api.get(url).json()["grids"][0]["code"] == grid.code
    assert api.post("/api/grids/import/", collection, format="json").status_code == 200
    assert api.get(url).json()["grids"][0]["code"] == "321003001001900"


def test_another_process_picks_up_the_change_through_the_generation():
    world = build_world()
    fixtures.lay_out(world)
    api = _api(world.users["city-user"])
    collection, first = _new_town_c_grids(api)
    grid = Grid.objects.get(code=first["properties"]["code"])
    stale = locator.get_index()
    assert locator.locate(grid.centroid_lat, grid.centroid_lng)["grids"][0]["code"] == grid.code
    # "another process": its memory is the index it built before; the database counter moves when
    # the writer commits (simulated by bumping the stored generation from another thread/connection)
    assert api.post("/api/grids/import/", collection, format="json").status_code == 200
    locator._INDEX = stale  # the other process still holds the old index …
    cachegen._local.clear()  # … and has made no local bumps
    cachegen.forget_local()
    from django.db.models import F

    from core.models import CacheGeneration

    # the writer's commit hook (what another process sees: the stored counter moved)
    updated = CacheGeneration.objects.filter(name="grids").update(generation=F("generation") + 1)
    if not updated:
        CacheGeneration.objects.create(name="grids", generation=1)
    index = locator.get_index(max_age=0)
    assert index is not stale
    assert locator.locate(grid.centroid_lat, grid.centroid_lng)["grids"][0]["code"] == "321003001001900"
