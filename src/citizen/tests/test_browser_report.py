"""Chromium: a citizen reports with a photo and a tap on the map, without login, gets the query
code, and reads the status page follow the event to 结案."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from citizen.models import CitizenReport
from core.testing.browser import WAIT_IGNORED
from events.services import Params, event_act
from events.tests import factory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _photo() -> str:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(out, "JPEG")
    path = Path(tempfile.mkdtemp(prefix="citizen-photo-")) / "现场照片.jpg"
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_citizen_reports_with_a_photo_and_follows_the_status(live_server, chromium) -> None:  # noqa: ANN001
    ew = factory.build()
    lat, lng = factory.point_in(ew.grid_a)
    driver = chromium
    wait = WebDriverWait(driver, 30, ignored_exceptions=WAIT_IGNORED)
    driver.get(f"{live_server.url}/report/")
    wait.until(lambda d: d.execute_script("var m=document.getElementById('reportmap');return m && m.dataset.ready"))
    assert "登录" not in driver.find_element(By.TAG_NAME, "h1").text

    driver.find_element(By.CSS_SELECTOR, "input[name=problem][value=rubbish]").find_element(By.XPATH, "..").click()
    driver.find_element(By.ID, "id_description").send_keys("桥头垃圾没人清理")
    driver.find_element(By.ID, "id_photos").send_keys(_photo())
    driver.find_element(By.ID, "id_phone").send_keys("13812345678")

    the_map = driver.find_element(By.ID, "reportmap")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", the_map)
    x, y, w, h = driver.execute_script(
        "var m = window.CitizenReportMap; m.setView([arguments[0], arguments[1]], 15, {animate: false});"
        "var p = m.latLngToContainerPoint([arguments[0], arguments[1]]); var el = m.getContainer();"
        "return [p.x, p.y, el.clientWidth, el.clientHeight];", lat, lng)
    ActionChains(driver).move_to_element_with_offset(the_map, int(x - w / 2), int(y - h / 2)).click().perform()
    wait.until(lambda d: d.find_element(By.ID, "id_lat").get_attribute("value"))
    assert abs(float(driver.find_element(By.ID, "id_lat").get_attribute("value")) - lat) < 0.001
    assert "已选位置" in driver.find_element(By.ID, "position-text").text

    driver.find_element(By.CSS_SELECTOR, "#report-form button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.ID, "query-code"))
    shown = driver.find_element(By.ID, "query-code").text
    code = shown.replace("-", "")
    report = CitizenReport.objects.select_related("event").get(query_code=code)
    event = report.event
    assert event.town_id == factory.A and event.photos.count() == 1
    assert "已收到，等待受理" in driver.find_element(By.ID, "state").text

    centre, handler = ew.users["centre_a"], ew.users["handler_a"]
    for action in ("accept", "file", "dispatch"):
        event_act(event=event, action=action, user=centre)
    event_act(event=event, action="feedback", user=handler, params=Params(note="已清运", photo_files=[factory.photo()]))
    driver.get(f"{live_server.url}/report/{code}/")
    assert "已处置，正在核查处置结果" in driver.find_element(By.ID, "state").text
    event_act(event=event, action="verify", user=centre, params=Params(passed=True))
    event_act(event=event, action="close", user=centre, params=Params(note="垃圾已清运，现场已恢复整洁。"))
    driver.get(f"{live_server.url}/report/{code}/")
    assert "已办结（结案）" in driver.find_element(By.ID, "state").text
    assert driver.find_element(By.ID, "answer").text == "垃圾已清运，现场已恢复整洁。"
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "13812345678" not in body and "138****5678" not in body and "桥头垃圾没人清理" not in body
