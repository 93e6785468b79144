"""The phone patrol page at 390×844 (issue 13 item 8): it draws the worker's own grids; a tap on
the map marks the finding's place and adds nothing to the GPS track; an empty description is
refused beside the field; a saved finding clears the form; its photo is served to the worker
through the scoped address."""
import base64
import tempfile
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from core.downloads import file_url
from core.testing.world import build_world
from grids.models import Finding, Patrol, PatrolPoint
from grids.tests import fixtures
from grids.tests.test_browser_layout import _login, _shot, _size

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _until(driver, check, timeout: int = 20):  # noqa: ANN001, ANN202
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(check)


def test_phone_patrol_marks_findings_apart_from_the_track(live_server, chromium):  # noqa: ANN001
    world = build_world()
    fixtures.lay_out(world)
    user = world.user("gw", "321002001001", ["grid_worker"])
    grid = fixtures.grid_in("321002001000")
    fixtures.team_for(grid, user)
    chromium.execute_cdp_cmd("Browser.grantPermissions", {"origin": live_server.url, "permissions": ["geolocation"]})
    chromium.execute_cdp_cmd("Emulation.setGeolocationOverride",
                             {"latitude": grid.centroid_lat, "longitude": grid.centroid_lng, "accuracy": 5})
    _login(chromium, live_server.url, "gw")
    _size(chromium, "phone")
    chromium.get(f"{live_server.url}/grids/patrol/")
    mapel = chromium.find_element(By.ID, "patrolmap")
    assert mapel.get_attribute("data-grids") == "1"  # the worker's own grid is drawn
    assert mapel.size["width"] > 300
    assert chromium.find_elements(By.CSS_SELECTOR, "#patrolmap path.leaflet-interactive")
    _until(chromium, lambda d: d.find_element(By.ID, "patrolmap").get_attribute("data-boundaries"))

    chromium.find_element(By.ID, "start").click()
    _until(chromium, lambda d: "巡查进行中" in d.find_element(By.ID, "state").text)
    patrol = Patrol.objects.get()
    assert patrol.points.count() == 1

    # a tap on the map marks the finding's place: no track point is added
    ActionChains(chromium).move_to_element_with_offset(mapel, 40, 30).click().perform()
    _until(chromium, lambda d: d.find_element(By.ID, "patrolmap").get_attribute("data-place"))
    place = [float(v) for v in mapel.get_attribute("data-place").split(",")]
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 1

    # an empty description says what is missing, beside the field; nothing is saved
    chromium.find_element(By.ID, "f-save").click()
    error = chromium.find_element(By.ID, "f-description-error")
    assert "请填写描述" in error.text
    assert Finding.objects.count() == 0

    chromium.find_element(By.ID, "f-description").send_keys("井盖缺失")
    photo = Path(tempfile.mkdtemp()) / "photo.png"
    photo.write_bytes(PNG)
    chromium.find_element(By.ID, "f-photo").send_keys(str(photo))
    chromium.find_element(By.ID, "f-save").click()
    _until(chromium, lambda d: "发现已保存" in d.find_element(By.ID, "msg").text)
    finding = Finding.objects.get()
    assert finding.description == "井盖缺失"
    assert abs(finding.lat - place[0]) < 1e-5 and abs(finding.lng - place[1]) < 1e-5  # the tapped place
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 1  # still only the GPS point
    # the form is cleared
    assert chromium.find_element(By.ID, "f-description").get_attribute("value") == ""
    assert chromium.execute_script("return document.getElementById('f-photo').files.length") == 0
    assert not mapel.get_attribute("data-place") and error.text == ""
    _shot(chromium, "patrol-phone")

    # the photo is served to the worker through the scoped address
    assert finding.photo
    chromium.get(live_server.url + file_url("finding-photo", finding.pk))
    size = chromium.execute_script("var i = document.querySelector('img'); return i ? [i.naturalWidth, i.complete] : null")
    assert size == [1, True]
