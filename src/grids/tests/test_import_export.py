"""GeoJSON export of a town imports back unchanged; bad imports are refused with every problem
listed and nothing changed; changes keep a version with the geometry before."""
import copy
import json

import pytest
from rest_framework.test import APIClient

from core.models import AuditLog
from core.testing.world import build_world
from grids import services
from grids.models import Grid, GridVersion
from grids.tests import fixtures

pytestmark = pytest.mark.django_db
TOWN_A = "321002001000"


def _client(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def _state():  # noqa: ANN202
    return list(Grid.objects.order_by("code").values_list("code", "geometry", "version", "status", "name"))


def test_export_of_a_town_imports_back_unchanged():
    world = build_world()
    fixtures.lay_out(world)
    api = _client(world.users["county-user"])
    exported = api.get(f"/api/grids/export/?division={TOWN_A}").json()
    assert len(exported["features"]) >= 4
    before, versions = _state(), GridVersion.objects.count()
    response = api.post("/api/grids/import/", exported, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 0 and body["updated"] == 0 and body["unchanged"] == len(exported["features"])
    assert _state() == before and GridVersion.objects.count() == versions
    assert api.get(f"/api/grids/export/?division={TOWN_A}").json() == exported


def test_overlapping_and_gapped_import_is_refused_with_every_problem_listed():
    world = build_world()
    fixtures.lay_out(world)
    api = _client(world.users["county-user"])
    exported = api.get(f"/api/grids/export/?division={TOWN_A}").json()
    comp = [f for f in exported["features"] if f["properties"]["type"] == "comprehensive"]
    bad = copy.deepcopy(exported)
    feats = [f for f in bad["features"] if f["properties"]["type"] == "comprehensive"]
    # 1: grow the first grid over its neighbour (overlap), 2: drop the last grid (gap)
    first = feats[0]
    second_geom = comp[1]["geometry"]
    from shapely.geometry import mapping, shape
    first["geometry"] = mapping(shape(first["geometry"]).union(shape(second_geom).buffer(-1e-5)).convex_hull)
    first["geometry"] = json.loads(json.dumps(first["geometry"]))
    bad["features"].remove(feats[-1])
    code_retired = feats[-1]["properties"]["code"]
    bad["features"][-1 if bad["features"][-1]["properties"]["type"] == "comprehensive" else 0]  # noqa: B018
    # 3: a self-intersecting bow-tie, 4: a code that does not match its division
    bowtie = copy.deepcopy(feats[1])
    bowtie["properties"]["code"] = "321002001001099"
    x0, y0 = first["geometry"]["coordinates"][0][0]
    bowtie["geometry"] = {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + .001, y0 + .001], [x0 + .001, y0],
                                                              [x0, y0 + .001], [x0, y0]]]}
    wrong = copy.deepcopy(feats[1])
    wrong["properties"]["code"] = "321002001000777"  # comprehensive grid coded under the town
    bad["features"] += [bowtie, wrong]
    # the dropped grid is retired in the file: its village boundary now has a gap
    retired = next(f for f in exported["features"] if f["properties"]["code"] == code_retired)
    retired = copy.deepcopy(retired)
    retired["properties"]["status"] = "retired"
    bad["features"].append(retired)
    before, versions, audits = _state(), GridVersion.objects.count(), AuditLog.objects.count()
    response = api.post("/api/grids/import/", bad, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_invalid" and "未做任何修改" in error["message"]
    problems = "\n".join(error["fields"]["problems"])
    assert "自相交" in problems or "Self-intersection" in problems
    assert "重叠" in problems
    assert "缺口" in problems
    assert "前 12 位应是村（社区）代码" in problems
    assert f"第 {len(bad['features']) - 1} 个要素" in problems  # feature numbers are listed
    assert _state() == before and GridVersion.objects.count() == versions
    assert AuditLog.objects.count() == audits  # nothing written, not even an audit row


def test_malformed_collection_is_a_400_listing_the_problem():
    world = build_world()
    api = _client(world.users["county-user"])
    r = api.post("/api/grids/import/", {"type": "Feature"}, format="json")
    assert r.status_code == 400 and "FeatureCollection" in str(r.json())
    r = api.post("/api/grids/import/", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "12"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]},
        format="json")
    assert r.status_code == 400
    text = str(r.json())
    assert "15 位数字" in text and "Polygon" in text
    assert Grid.objects.count() == 0


def test_update_keeps_the_geometry_before_and_audits():
    world = build_world()
    fixtures.lay_out(world)
    api = _client(world.users["county-user"])
    exported = api.get(f"/api/grids/export/?division={TOWN_A}").json()
    spec = next(f for f in exported["features"] if f["properties"]["type"] == "specialised")
    old_geometry = json.dumps(spec["geometry"], separators=(",", ":"))
    ring = spec["geometry"]["coordinates"][0]
    spec["geometry"]["coordinates"][0] = [[x + 0.0001, y] for x, y in ring]
    spec["properties"]["name"] = "改名后的专属网格"
    one = {"type": "FeatureCollection", "features": [spec]}
    dry = api.post("/api/grids/import/?dry_run=1", one, format="json").json()
    assert dry["updated"] == 1 and dry["dry_run"]
    assert Grid.objects.get(code=spec["properties"]["code"]).version == 1
    r = api.post("/api/grids/import/", one, format="json")
    assert r.status_code == 200 and r.json()["updated"] == 1
    grid = Grid.objects.get(code=spec["properties"]["code"])
    assert grid.version == 2 and grid.name == "改名后的专属网格"
    v = GridVersion.objects.get(grid=grid, version=2)
    assert v.action == "update" and v.geometry_before == old_geometry and v.actor_name == "county-user"
    log = AuditLog.objects.filter(model="grids.Grid", object_id=str(grid.pk), action="update").latest("pk")
    assert log.before["geometry"] == old_geometry and log.after["name"] == "改名后的专属网格"
    versions = api.get(f"/api/grids/{grid.pk}/versions/").json()
    assert [x["version"] for x in versions] == [2, 1]


def test_management_command_imports_and_exports(tmp_path):
    from django.core.management import call_command

    world = build_world()
    fixtures.lay_out(world)
    out = tmp_path / "a.geojson"
    call_command("export_grids", "--division", TOWN_A, "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    Grid.objects.filter(code__startswith="321002001").delete()
    from core import cachegen

    cachegen.bump("grids")
    call_command("import_grids", str(out))
    assert Grid.objects.filter(code__startswith="321002001").count() == len(data["features"])
    bad = tmp_path / "bad.geojson"
    data["features"][0]["geometry"]["coordinates"][0][1] = [0, 0]
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(Exception) as exc:
        call_command("import_grids", str(bad))
    assert "第 1 个要素" in str(exc.value)


def test_service_refuses_outside_scope():
    world = build_world()
    fixtures.lay_out(world)
    from core.scoping import scope_for

    exported = services.grids_export(grids=Grid.objects.filter(code__startswith="321002106"))
    result = services.grids_import(collection=exported, scope=scope_for(world.outsider))
    assert result.problems and all("管辖范围" in p["message"] for p in result.problems)
