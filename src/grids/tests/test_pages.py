"""The pages render for their users; the import page lists problems and changes nothing."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.testing.world import build_world
from grids.models import Grid
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def _session(user):  # noqa: ANN001, ANN202
    c = Client()
    c.force_login(user)
    return c


def test_pages_render():
    world = build_world()
    fixtures.lay_out(world)
    town = _session(world.insider)
    grid = fixtures.grid_in("321002106000")
    for url in ("/grids/", "/grids/?type=specialised", f"/grids/{grid.pk}/", "/grids/map/",
                "/grids/map/321002106000/", "/grids/rhythm/", "/grids/patrol/", "/grids/?missing=head"):
        response = town.get(url)
        assert response.status_code == 200, url
    assert "未登记为网格员" in town.get("/grids/patrol/").content.decode()
    assert grid.code in town.get("/grids/").content.decode()
    assert _session(world.users["city-user"]).get("/grids/map/321000000000/").status_code == 200


def test_import_page_checks_first_then_confirms():
    world = build_world()
    fixtures.lay_out(world)
    client = _session(world.users["county-user"])
    exported = client.get("/api/grids/export/?division=321002001000").json()
    feature = next(f for f in exported["features"] if f["properties"]["type"] == "specialised")
    feature["properties"]["name"] = "新名称"
    upload = SimpleUploadedFile("a.geojson", json.dumps(exported).encode())
    page = client.post("/grids/import/", {"file": upload}).content.decode()
    assert "校验通过" in page and "确认导入" in page
    assert not Grid.objects.filter(name="新名称").exists()
    client.post("/grids/import/confirm/", {"payload": json.dumps(exported)})
    assert Grid.objects.filter(name="新名称").exists()
    feature["geometry"] = {"type": "Polygon", "coordinates": [[[119.4, 32.4], [119.41, 32.41], [119.41, 32.4], [119.4, 32.41], [119.4, 32.4]]]}  # a bow-tie
    upload = SimpleUploadedFile("b.geojson", json.dumps(exported).encode())
    page = client.post("/grids/import/", {"file": upload}).content.decode()
    assert "导入被拒绝" in page and "自相交" in page
