"""Issue 13 acceptance, in Chromium: a handler completes a review step by choosing 通过 from a
Chinese choice with nothing preselected, and the timeline shows 审查结果：通过 with a local time."""
import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from core.testing.world import build_world
from flows import services
from flows.models import Case
from flows.tests.helpers import TOWN_A, Actors, make_item, publish, template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(driver, base, user):
    client = Client()
    client.force_login(user)
    driver.get(base + "/login/")
    driver.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                       "path": "/"})


def _wait(driver, script, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = driver.execute_script(script)
        except Exception:  # noqa: BLE001 - a page mid-navigation
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for: {script}")


def test_review_step_is_a_chinese_choice_and_the_timeline_reads_in_chinese(chromium, live_server):
    world = build_world()
    services.lanemapping_seed_defaults()
    actors = Actors(world)
    item = make_item(code="BROWSER-REVIEW")
    publish(actors, item, template("approval"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A, applicant="张三")
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"])

    _login(chromium, live_server.url, actors.handler)
    chromium.get(f"{live_server.url}/flows/cases/{case.pk}/")
    _wait(chromium, "return document.querySelector('form.complete select') !== null")
    form = chromium.execute_script("""
        const s = document.querySelector('form.complete select');
        return {label: s.closest('label').textContent.trim().split(/\\s+/)[0], selected: s.value,
                options: [...s.options].map(o => o.textContent.trim()), body: document.body.textContent};""")
    assert form["label"] == "审查结果"
    assert form["selected"] == ""                      # nothing preselected
    assert form["options"] == ["请选择", "需补正", "通过"]
    assert "当事人：张三" in form["body"] and "review" not in form["body"]

    chromium.execute_script("""
        const s = document.querySelector('form.complete select');
        s.value = [...s.options].find(o => o.textContent.trim() === '通过').value;""")
    chromium.find_element("css selector", "form.complete button").click()
    _wait(chromium, "return document.body.textContent.includes('审查结果：通过')")

    case = Case.objects.get(pk=case.pk)
    assert case.current_step == "决定"
    step = case.steps.get(task_spec="Task_Review")
    assert step.inputs == {"review": "pass"}
    local = step.completed_at.astimezone(ZoneInfo("Asia/Shanghai"))
    shown = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    text = chromium.execute_script("return document.querySelector('ol.history').textContent")
    assert shown in text and "{'review'" not in text and "T" + f"{local:%H:%M}" not in text
    assert dt.datetime.fromisoformat(
        chromium.execute_script("return document.querySelectorAll('ol.history time')[1].getAttribute('datetime')")
    ) == step.completed_at  # the machine-readable time carries the offset (+08:00)


def test_a_yes_no_gateway_posts_a_boolean_from_the_page(chromium, live_server):
    from flows.tests.helpers import fixture

    world = build_world()
    services.lanemapping_seed_defaults()
    actors = Actors(world)
    item = make_item(code="BROWSER-BOOL")
    publish(actors, item, fixture("bpmn_boolean_gateway_page"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)

    _login(chromium, live_server.url, actors.handler)
    chromium.get(f"{live_server.url}/flows/cases/{case.pk}/")
    _wait(chromium, "return document.querySelector('form.complete select') !== null")
    options = chromium.execute_script(
        "const s = document.querySelector('form.complete select');"
        "return [s.value, [...s.options].map(o => o.textContent.trim())];")
    assert options == ["", ["请选择", "是", "否"]]
    chromium.find_element("css selector", "form.complete button").click()  # nothing chosen: told what is missing
    _wait(chromium, "return document.querySelector('form.complete .error').textContent.includes('需要填写')")
    assert Case.objects.get(pk=case.pk).revision == 0
    chromium.execute_script("""
        const s = document.querySelector('form.complete select');
        s.value = [...s.options].find(o => o.textContent.trim() === '是').value;""")
    chromium.find_element("css selector", "form.complete button").click()
    _wait(chromium, "return document.body.textContent.includes('是否同意：是')")
    step = Case.objects.get(pk=case.pk).steps.get()
    assert step.inputs == {"approved": True}  # a JSON boolean, not the text "True"
