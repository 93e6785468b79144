"""Headless Chromium: a town command centre opens /command/, sees its open events on the map and
in the queue (and nothing of the other town); an event reported through the API appears on the
screen within 10 s without a reload; one-click accept goes through the events API."""
from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.browser import login
from events.models import Event
from events.tests import factory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
STALE = (StaleElementReferenceException,)


def _login(driver, url, username):  # noqa: ANN001, ANN202
    login(driver, url, username)


def _ids(driver) -> set[int]:  # noqa: ANN001
    raw = driver.find_element(By.ID, "cmdmap").get_attribute("data-ids") or ""
    return {int(x) for x in raw.split(",") if x}


def test_town_screen_shows_its_events_and_a_new_report_within_10_s(live_server, chromium) -> None:  # noqa: ANN001
    ew = factory.build()
    mine = factory.report(ew, description="东关街道路边垃圾")
    other = factory.report(ew, user=ew.users["centre_b"], grid=ew.grid_b, channel="hotline", description="湾头镇事件")
    _login(chromium, live_server.url, "centre-a")
    chromium.get(f"{live_server.url}/command/")
    WebDriverWait(chromium, 30, ignored_exceptions=STALE).until(
        lambda d: d.find_element(By.ID, "cmdmap").get_attribute("data-count"))
    assert not [e for e in chromium.get_log("browser") if e["source"] == "javascript"]
    assert _ids(chromium) == {mine.pk} and other.pk not in _ids(chromium)
    assert chromium.find_elements(By.CSS_SELECTOR, "#cmdmap path, #cmdmap canvas, .marker-cluster")
    queue = chromium.find_element(By.CSS_SELECTOR, "[data-queue=accept]").text
    assert "东关街道路边垃圾" in queue and "湾头镇事件" not in queue
    assert ew.unit_a.name in queue  # the routing proposal beside the event
    assert chromium.find_element(By.ID, "cmd-trend").find_elements(By.CSS_SELECTOR, "canvas, svg")

    # an event reported through the API shows up without a reload
    chromium.execute_script("window.__noReload = true;")
    api = APIClient()
    api.force_authenticate(ew.users["worker"])
    lat, lng = factory.point_in(ew.grid_a)
    r = api.post("/api/events/", {"category": "06010", "lat": lat, "lng": lng, "description": "新报的占道经营",
                                  "channel": "grid", "client_id": "browser-1"}, format="json")
    assert r.status_code == 201, r.content
    new_id = r.json()["id"]
    started = time.monotonic()
    WebDriverWait(chromium, 10, poll_frequency=0.25, ignored_exceptions=STALE).until(lambda d: new_id in _ids(d))
    assert time.monotonic() - started < 10
    assert chromium.execute_script("return window.__noReload === true;")
    assert "新报的占道经营" in chromium.find_element(By.CSS_SELECTOR, "[data-queue=accept]").text

    # one-click accept of the routing proposal, through the events API
    button = chromium.find_element(By.CSS_SELECTOR, f'.qrow[data-event="{new_id}"] button[data-act=accept]')
    button.click()
    WebDriverWait(chromium, 10, ignored_exceptions=STALE).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-queue=file] .qrow[data-event="{new_id}"]'))
    event = Event.objects.get(pk=new_id)
    assert event.state == "accepted" and event.steps.filter(action="accept", actor=ew.users["centre_a"]).exists()
