"""Issue 13 item 4: "导出 GeoJSON" in a browser downloads the GeoJSON file itself — not the API's
HTML page saved under a .geojson name — and the file is valid GeoJSON of the filtered grids."""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import shapely
from selenium.webdriver.common.by import By

from core.testing.browser import login
from core.testing.world import build_world
from grids.tests import fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _downloaded(folder: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded into {folder}: {list(folder.iterdir())}")


def test_the_geojson_export_lands_as_a_valid_geojson_file(live_server: Any, chromium: Any) -> None:
    world = build_world()
    fixtures.lay_out(world)
    folder = Path(tempfile.mkdtemp(prefix="geojson-download-"))
    chromium.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder),
                                                             "eventsEnabled": True})
    login(chromium, live_server.url, "insider")
    chromium.get(f"{live_server.url}/grids/?division=321002106000")
    chromium.find_element(By.PARTIAL_LINK_TEXT, "导出 GeoJSON").click()
    path = _downloaded(folder)
    assert path.name == "grids.geojson"
    text = path.read_text(encoding="utf-8")
    assert not text.lstrip().startswith("<"), "the browsable API's HTML page was saved instead of the file"
    data = json.loads(text)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 5  # 湾头镇: 4 comprehensive + 1
    for feature in data["features"]:
        assert feature["type"] == "Feature" and feature["properties"]["code"].startswith("321002106")
        geometry = shapely.geometry.shape(feature["geometry"])
        assert geometry.is_valid and geometry.geom_type in ("Polygon", "MultiPolygon")
