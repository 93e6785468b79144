"""Headless Chromium on the event pages (issue 10 items 2 and 6): a handler sees only the actions
allowed now; 退单 without a reason is refused on the page with the message beside the field and the
typed values kept; the list filters and sorts; the command screen's banner and sound for a new
escalation (item 5)."""
from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.browser import WAIT_IGNORED, login
from events import services
from events.models import Event
from events.tests import factory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _dispatched(ew: factory.EventWorld, **kw: Any) -> Event:
    event = factory.report(ew, **kw)
    for verb in ("accept", "file", "dispatch"):
        event = services.event_act(event=event, action=verb, user=ew.users["centre_a"])
    return event


def _actions(driver: Any) -> list[str]:
    return [f.get_attribute("data-action") for f in driver.find_elements(By.CSS_SELECTOR, "form.action-form")]


def _errors(driver: Any, field: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'[data-field="{field}"] .errorlist').text


def test_handler_sees_only_allowed_actions_and_a_return_without_reason_is_refused_beside_the_field(
        live_server: Any, chromium: Any) -> None:
    ew = factory.build()
    event = _dispatched(ew, description="东关街道路边垃圾")
    url = f"{live_server.url}/events/{event.pk}/"

    login(chromium, live_server.url, "demo-grid-321002001")   # the reporting worker: nothing to do now
    chromium.get(url)
    assert _actions(chromium) == [] and chromium.find_element(By.ID, "no-actions")
    chromium.delete_all_cookies()

    login(chromium, live_server.url, "handler-a")
    chromium.get(url)
    assert _actions(chromium) == ["return", "extend", "feedback"]
    assert "东关街道路边垃圾" in chromium.find_element(By.ID, "event-description").text
    WebDriverWait(chromium, 20, ignored_exceptions=WAIT_IGNORED).until(lambda d: d.find_element(By.ID, "eventmap").get_attribute("data-ready") == "1")
    assert not [e for e in chromium.get_log("browser") if e["source"] == "javascript"]

    # 退单 with no reason: the page asks to confirm, then the server refuses beside the field
    chromium.find_element(By.CSS_SELECTOR, 'form[data-action="return"] button[type=submit]').click()
    WebDriverWait(chromium, 10, ignored_exceptions=WAIT_IGNORED).until(EC.alert_is_present())
    assert "退单" in chromium.switch_to.alert.text
    chromium.switch_to.alert.accept()
    WebDriverWait(chromium, 20, ignored_exceptions=WAIT_IGNORED).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-field="return-reason"] .errorlist'))
    assert "请填写此项" in _errors(chromium, "return-reason")
    assert Event.objects.get(pk=event.pk).state == "dispatched"

    # 延期 with a reason typed but no new deadline: refused beside 延期至, the reason still there
    chromium.find_element(By.ID, "id_extend-reason").send_keys("需协调绿化部门")
    chromium.find_element(By.CSS_SELECTOR, 'form[data-action="extend"] button[type=submit]').click()
    WebDriverWait(chromium, 20, ignored_exceptions=WAIT_IGNORED).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-field="extend-until"] .errorlist'))
    assert "请填写此项" in _errors(chromium, "extend-until")
    assert chromium.find_element(By.ID, "id_extend-reason").get_attribute("value") == "需协调绿化部门"

    # with the reason, 退单 goes through and the page offers the handler nothing more
    chromium.find_element(By.ID, "id_return-reason").send_keys("不属于本单位职责")
    chromium.find_element(By.CSS_SELECTOR, 'form[data-action="return"] button[type=submit]').click()
    WebDriverWait(chromium, 10, ignored_exceptions=WAIT_IGNORED).until(EC.alert_is_present())
    chromium.switch_to.alert.accept()
    WebDriverWait(chromium, 20, ignored_exceptions=WAIT_IGNORED).until(lambda d: d.find_element(By.ID, "event-state").get_attribute("data-state") == "filed")
    assert _actions(chromium) == []
    assert "不属于本单位职责" in chromium.find_element(By.ID, "timeline").text


def test_list_filters_and_sorts(live_server: Any, chromium: Any) -> None:
    ew = factory.build()
    rubbish = factory.report(ew, description="路边暴露垃圾")
    green = factory.report(ew, category="06017", description="绿地脏乱")
    factory.report(ew, user=ew.users["centre_b"], grid=ew.grid_b, channel="hotline", description="湾头镇事件")
    login(chromium, live_server.url, "centre-a")
    chromium.get(f"{live_server.url}/events/")

    def rows(d: Any) -> list[int]:
        return [int(r.get_attribute("data-event")) for r in d.find_elements(By.CSS_SELECTOR, "#event-table tr[data-event]")]

    assert set(rows(chromium)) == {rubbish.pk, green.pk}
    chromium.find_element(By.ID, "f-q").send_keys("绿地")
    chromium.find_element(By.ID, "f-submit").click()
    WebDriverWait(chromium, 20, ignored_exceptions=WAIT_IGNORED).until(lambda d: rows(d) == [green.pk])
    assert chromium.find_element(By.ID, "f-q").get_attribute("value") == "绿地"
    assert "q=%E7%BB%BF%E5%9C%B0" in chromium.find_element(By.ID, "event-export").get_attribute("href")

    chromium.get(f"{live_server.url}/events/")
    chromium.find_element(By.CSS_SELECTOR, 'a[data-sort="category"]').click()
    WebDriverWait(chromium, 20, ignored_exceptions=WAIT_IGNORED).until(lambda d: "sort=category" in d.current_url)
    assert rows(chromium) == [rubbish.pk, green.pk]                    # 06010 before 06017
    chromium.find_element(By.CSS_SELECTOR, 'a[data-sort="category"]').click()
    WebDriverWait(chromium, 20, ignored_exceptions=WAIT_IGNORED).until(lambda d: "sort=-category" in d.current_url)
    assert rows(chromium) == [green.pk, rubbish.pk]
    assert "↓" in chromium.find_element(By.CSS_SELECTOR, 'a[data-sort="category"]').text


def test_command_screen_banner_and_sound_for_a_new_escalation(live_server: Any, chromium: Any) -> None:
    from notify import outbox
    from notify.services import notify

    ew = factory.build()
    login(chromium, live_server.url, "county-centre")
    chromium.get(f"{live_server.url}/command/")
    WebDriverWait(chromium, 30, ignored_exceptions=WAIT_IGNORED).until(lambda d: d.find_element(By.ID, "cmdmap").get_attribute("data-count") is not None)
    banner = chromium.find_element(By.ID, "cmd-banner")
    assert not banner.is_displayed()
    chromium.find_element(By.ID, "cmd-sound").click()     # the operator enables sound (browsers refuse autoplay)
    chromium.execute_script(
        "window.__played = 0; HTMLMediaElement.prototype.play = function () { window.__played += 1;"
        " return Promise.resolve(); };")
    notify([ew.users["county_centre"]], "escalated", "东关街道事件超期升级至县级", link="/events/", key="esc-browser-1")
    outbox.dispatch()
    WebDriverWait(chromium, 15, ignored_exceptions=WAIT_IGNORED).until(lambda d: d.find_element(By.ID, "cmd-banner").is_displayed())
    assert "东关街道事件超期升级至县级" in chromium.find_element(By.ID, "cmd-banner").text
    assert chromium.execute_script("return window.__played;") == 1
