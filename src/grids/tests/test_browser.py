"""Headless Chromium: the map shows the town's grid polygons; a patrol with an overridden
geolocation starts, records a position and ends, and is stored."""

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.browser import login
from core.testing.world import build_world
from grids.models import Patrol
from grids.tests import fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _login(driver, url, username):  # noqa: ANN001, ANN202
    login(driver, url, username)


def test_map_page_shows_the_towns_grid_polygons(live_server, chromium):  # noqa: ANN001
    world = build_world()
    fixtures.lay_out(world)
    _login(chromium, live_server.url, "insider")
    chromium.get(f"{live_server.url}/grids/map/")
    WebDriverWait(chromium, 30, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: d.find_element(By.ID, "gridmap").get_attribute("data-count"))
    assert chromium.find_element(By.ID, "gridmap").get_attribute("data-count") == "5"  # 4 comprehensive + 1
    assert "共 5 个网格" in chromium.find_element(By.ID, "status").text
    assert chromium.find_elements(By.CSS_SELECTOR, "#gridmap canvas, #gridmap path")
    # colour by today's coverage
    chromium.find_element(By.CSS_SELECTOR, "#colour option[value=coverage]").click()
    assert "今日未巡查" in chromium.find_element(By.ID, "legend").text


def test_patrol_with_browser_geolocation_is_stored(live_server, chromium):  # noqa: ANN001
    world = build_world()
    fixtures.lay_out(world)
    user = world.user("gw", "321002001001", ["grid_worker"])
    grid = fixtures.grid_in("321002001000")
    fixtures.team_for(grid, user)
    chromium.execute_cdp_cmd("Browser.grantPermissions", {"origin": live_server.url, "permissions": ["geolocation"]})
    chromium.execute_cdp_cmd("Emulation.setGeolocationOverride",
                             {"latitude": grid.centroid_lat, "longitude": grid.centroid_lng, "accuracy": 5})
    _login(chromium, live_server.url, "gw")
    chromium.get(f"{live_server.url}/grids/patrol/")
    chromium.find_element(By.ID, "start").click()
    WebDriverWait(chromium, 20, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: "巡查进行中" in d.find_element(By.ID, "state").text)
    chromium.execute_cdp_cmd("Emulation.setGeolocationOverride",
                             {"latitude": grid.centroid_lat + 0.0003, "longitude": grid.centroid_lng, "accuracy": 5})
    chromium.find_element(By.ID, "here").click()
    WebDriverWait(chromium, 20, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: d.find_element(By.ID, "state").get_attribute("data-points") == "2")
    chromium.execute_script("window.confirm = function () { return true; };")
    chromium.find_element(By.ID, "end").click()
    WebDriverWait(chromium, 20, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: "巡查已结束" in d.find_element(By.ID, "state").text)
    patrol = Patrol.objects.get()
    assert patrol.status == "ended" and patrol.worker.user_id == user.pk
    points = list(patrol.points.order_by("seq"))
    assert [p.seq for p in points] == [0, 1] and patrol.point_count == 2
    assert abs(points[1].lat - grid.centroid_lat - 0.0003) < 1e-6
    assert grid.code in patrol.grids_covered
