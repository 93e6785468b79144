"""Grid files as other tools write them (issue 12 item 2): every coordinate system that is
longitude/latitude in WGS84, CGCS2000 or GCJ-02 imports; anything else is refused with a message
that says the coordinates are not longitude/latitude and names the `crs` — before any area is
computed from them, so no check can be fooled by a negative area."""
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from core.testing.world import build_world
from grids import geo
from grids.models import Grid
from grids.tests import fixtures

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def _load(name: str) -> dict:
    return json.loads((FILES / name).read_text(encoding="utf-8"))


def _problems(response) -> str:  # noqa: ANN001
    assert response.status_code == 400, response.content
    return "\n".join(response.json()["error"]["fields"]["problems"])


@pytest.mark.parametrize("name", ["ogr2ogr_crs84.geojson", "ogr2ogr_epsg4490_urn.geojson",
                                  "qgis_epsg4490_short.geojson", "ogr2ogr_epsg4326_name.geojson"])
def test_lon_lat_files_from_ogr2ogr_and_qgis_import_unchanged(name):
    world = build_world()
    api = _api(world.users["county-user"])
    collection = _load(name)
    response = api.post("/api/grids/import/", collection, format="json")
    assert response.status_code == 200, response.content
    code = collection["features"][0]["properties"]["code"]
    grid = Grid.objects.get(code=code)
    assert json.loads(grid.geometry)["coordinates"] == collection["features"][0]["geometry"]["coordinates"]
    assert grid.type == "specialised" and grid.category == "school"


def test_a_gcj02_file_is_converted_to_wgs84():
    world = build_world()
    api = _api(world.users["county-user"])
    named = _load("gcj02_named.geojson")
    assert api.post("/api/grids/import/", named, format="json").status_code == 200
    stored = json.loads(Grid.objects.get(code="321002001000905").geometry)["coordinates"][0]
    for (x, y), (gx, gy) in zip(stored, named["features"][0]["geometry"]["coordinates"][0], strict=True):
        back = geo.wgs84_to_gcj02(x, y)
        assert abs(back[0] - gx) < 1e-7 and abs(back[1] - gy) < 1e-7
        assert abs(x - gx) > 1e-4  # really moved (the offset is a few hundred metres here)
    # the same coordinates without a crs member, told by the importer (?crs=gcj02)
    plain = _load("ogr2ogr_crs84.geojson")
    del plain["crs"]
    plain["features"][0]["properties"]["code"] = "321002001000910"
    assert api.post("/api/grids/import/?crs=gcj02", plain, format="json").status_code == 200
    assert json.loads(Grid.objects.get(code="321002001000910").geometry)["coordinates"][0] == stored
    assert api.post("/api/grids/import/?crs=bd09", plain, format="json").status_code == 400


def test_epsg3857_is_refused_naming_the_crs():
    """README: "坐标不是经纬度（crs EPSG:3857 不支持）" instead of "超出 东关街道 边界约 442384177463090 平方米"."""
    world = build_world()
    fixtures.lay_out(world)
    problems = _problems(_api(world.users["county-user"]).post("/api/grids/import/?dry_run=1",
                                                                  _load("g_epsg3857.geojson"), format="json"))
    assert "坐标不是经纬度（crs urn:ogc:def:crs:EPSG::3857 不支持）" in problems
    assert "平方米" not in problems and "第 1 个要素" not in problems  # the file is refused as a whole


def test_projected_metres_without_a_crs_member_are_refused_before_any_area_is_computed():
    world = build_world()
    fixtures.lay_out(world)  # the town has a boundary: the old check computed a (negative) area against it
    problems = _problems(_api(world.users["county-user"]).post("/api/grids/import/",
                                                                  _load("utm_no_crs_member.geojson"), format="json"))
    assert "第 1 个要素（321002001000908）：坐标不是经纬度" in problems and "投影坐标" in problems
    assert "平方米" not in problems
    assert not Grid.objects.filter(code="321002001000908").exists()


def test_swapped_latitude_and_longitude_are_refused():
    world = build_world()
    problems = _problems(_api(world.users["county-user"]).post("/api/grids/import/",
                                                                  _load("swapped_lat_lng.geojson"), format="json"))
    assert "坐标不是经纬度顺序：纬度与经度颠倒了" in problems


def test_another_datum_is_refused_naming_it():
    world = build_world()
    problems = _problems(_api(world.users["county-user"]).post("/api/grids/import/",
                                                                  _load("beijing54.geojson"), format="json"))
    assert "crs urn:ogc:def:crs:EPSG::4214" in problems and "北京54" in problems


@pytest.mark.parametrize("crs, ok", [
    ({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC::CRS84"}}, True),
    ({"type": "name", "properties": {"name": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}, True),
    ({"type": "name", "properties": {"name": "http://www.opengis.net/def/crs/EPSG/0/4490"}}, True),
    ({"type": "EPSG", "properties": {"code": 4326}}, True),
    (None, True),
    ({"type": "name", "properties": {"name": "EPSG:4547"}}, False),  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
    ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32650"}}, False),
    ({"type": "link", "properties": {"href": "http://example.com/crs/42", "type": "proj4"}}, False),
])
def test_crs_member_forms(crs, ok):
    collection = {"type": "FeatureCollection", "crs": crs, "features": []}
    if ok:
        assert geo.crs_of(collection) == "wgs84"
    else:
        with pytest.raises(geo.CrsProblem, match="坐标不是经纬度（crs "):
            geo.crs_of(collection)


def test_properties_null_is_reported_by_feature_number_not_a_500():
    """RFC 7946 allows "properties": null; the feature has no code, so it is reported by number."""
    world = build_world()
    response = _api(world.users["county-user"]).post("/api/grids/import/?dry_run=1",
                                                      _load("g_properties_null.geojson"), format="json")
    problems = _problems(response)
    assert "第 2 个要素：缺少网格编码" in problems
    assert "第 1 个要素" not in problems
    bad = _load("g_properties_null.geojson")
    bad["features"][1]["properties"] = ["not", "an", "object"]
    assert "第 2 个要素：properties 须为对象或 null" in _problems(
        _api(world.users["county-user"]).post("/api/grids/import/?dry_run=1", bad, format="json"))


def test_self_intersection_is_explained_in_chinese_with_the_position():
    world = build_world()
    problems = _problems(_api(world.users["county-user"]).post("/api/grids/import/",
                                                                  _load("self_intersecting.geojson"), format="json"))
    assert "多边形无效：边界自相交，位置：经度 119.4315，纬度 32.3915" in problems
    assert "Self-intersection" not in problems


def test_ring_structure_problems_are_explained():
    world = build_world()
    api = _api(world.users["county-user"])
    collection = _load("ogr2ogr_crs84.geojson")
    ring = collection["features"][0]["geometry"]["coordinates"][0]
    ring[-1] = [119.4301, 32.39]
    assert "外环未闭合" in _problems(api.post("/api/grids/import/", collection, format="json"))
    collection["features"][0]["geometry"]["coordinates"][0] = ring[:2] + [ring[0]]
    assert "至少需要 4 个" in _problems(api.post("/api/grids/import/", collection, format="json"))
    collection["features"][0]["geometry"]["coordinates"][0] = [["119.43", "32.39"]] * 4
    assert "坐标须为 [经度, 纬度] 数值" in _problems(api.post("/api/grids/import/", collection, format="json"))


def test_a_grid_spanning_degrees_is_refused():
    world = build_world()
    collection = _load("ogr2ogr_crs84.geojson")
    collection["features"][0]["geometry"]["coordinates"] = [[[110, 25], [125, 25], [125, 40], [110, 40], [110, 25]]]
    problems = _problems(_api(world.users["county-user"]).post("/api/grids/import/", collection, format="json"))
    assert "网格范围过大" in problems


def test_management_command_refuses_the_projected_file(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    build_world()
    with pytest.raises(CommandError, match=r"坐标不是经纬度（crs urn:ogc:def:crs:EPSG::3857 不支持）"):
        call_command("import_grids", str(FILES / "g_epsg3857.geojson"))
    call_command("import_grids", str(FILES / "gcj02_named.geojson"))
    assert Grid.objects.filter(code="321002001000905").exists()


def test_the_import_page_takes_the_coordinate_system_and_refuses_oversized_files(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.errors import PlatformError
    from grids.forms import MAX_GRID_FILE_BYTES, read_geojson

    world = build_world()
    client.force_login(world.users["county-user"])
    text = (FILES / "ogr2ogr_crs84.geojson").read_bytes()
    page = client.post("/grids/import/", {"file": SimpleUploadedFile("g.geojson", text), "crs": "gcj02"})
    body = page.content.decode()
    assert "校验通过" in body and 'name="crs" value="gcj02"' in body
    payload = json.loads(text)
    client.post("/grids/import/confirm/", {"payload": json.dumps(payload), "crs": "gcj02"})
    stored = json.loads(Grid.objects.get(code="321002001000901").geometry)["coordinates"][0][0]
    assert stored != [119.43, 32.39]  # converted from GCJ-02
    projected = client.post("/grids/import/", {"file": SimpleUploadedFile("p.geojson",
                                                                          (FILES / "g_epsg3857.geojson").read_bytes())})
    assert "坐标不是经纬度（crs urn:ogc:def:crs:EPSG::3857 不支持）" in projected.content.decode()

    class Huge:
        size = MAX_GRID_FILE_BYTES + 1

    with pytest.raises(PlatformError, match="文件超过 50 MB"):
        read_geojson(Huge())
