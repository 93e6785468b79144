"""GET /api/grids/ counts, filters and row shape; GeoJSON of one grid; map layer."""
import pytest
from rest_framework.test import APIClient

from core.testing.world import build_world
from grids.models import Grid
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_counts_by_type_and_division_for_the_city():
    world = build_world()
    fixtures.lay_out(world, comprehensive_per_village=4)
    api = _api(world.users["city-user"])
    assert api.get("/api/grids/?type=comprehensive").json()["count"] == 12
    assert api.get("/api/grids/?type=specialised").json()["count"] == 3
    assert api.get("/api/grids/?type=comprehensive&division=321002000000").json()["count"] == 8
    assert api.get("/api/grids/?division=321002001000").json()["count"] == 5
    assert _api(world.outsider).get("/api/grids/?type=comprehensive").json()["count"] == 4
    r = api.get("/api/grids/?division=3210")
    assert r.status_code == 400 and "12 位" in r.json()["error"]["message"]


def test_row_has_code_type_village_and_a_centroid_inside_the_polygon():
    import shapely

    from grids import geo

    world = build_world()
    fixtures.lay_out(world)
    row = _api(world.users["city-user"]).get("/api/grids/?type=comprehensive&division=321002106000").json()["results"][0]
    assert set(row) >= {"id", "code", "type", "village", "centroid"}
    assert row["village"] == {"code": "321002106001", "name": "湾头社区居委会"}
    grid = Grid.objects.get(pk=row["id"])
    assert geo.to_shape(grid.geometry).contains(shapely.Point(*row["centroid"]))
    feature = _api(world.users["city-user"]).get(f"/api/grids/{grid.pk}/geojson/").json()
    assert feature["type"] == "Feature" and feature["properties"]["code"] == grid.code
    assert feature["geometry"]["type"] == "Polygon"


def test_map_layer_is_simplified_for_the_city_and_exact_for_a_town():
    world = build_world()
    fixtures.lay_out(world)
    api = _api(world.users["city-user"])
    city = api.get("/api/grids/map/?division=321000000000").json()
    town = api.get("/api/grids/map/?division=321002001000").json()
    assert city["simplified"] and len(city["features"]) == 15
    assert not town["simplified"] and len(town["features"]) == 5
    assert {"code", "village", "patrolled", "type"} <= set(town["features"][0]["properties"])
