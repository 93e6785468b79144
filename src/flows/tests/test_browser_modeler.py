"""A map is drawn in the modeler page in Chromium, saved, published and run to its end (pages)."""
import datetime as dt
import time

import pytest
from django.conf import settings
from django.test import Client

from core import workcal
from core.testing.world import build_world
from flows import services
from flows.models import Case, ProcessMap
from flows.templates_dir import template_bytes
from flows.tests.helpers import COUNTY, Actors, make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAW = """
const m = window.flowsModeler;
const reg = m.get('elementRegistry'), mod = m.get('modeling');
const participant = reg.get('Participant_Blank'), lane = reg.get('Lane_Blank'), start = reg.get('StartEvent_Blank');
mod.updateProperties(lane, { name: '承办人' });
const task = mod.createShape({ type: 'bpmn:UserTask' }, { x: 420, y: 180 }, participant);
mod.updateProperties(task, { name: '浏览器审核' });
window.flowsSetLimit(task, '3工作小时');
const end = mod.createShape({ type: 'bpmn:EndEvent' }, { x: 620, y: 180 }, participant);
mod.updateProperties(end, { name: '办结' });
mod.connect(start, task);
mod.connect(task, end);
return task.id;
"""


def _login(driver, base, user):
    client = Client()
    client.force_login(user)
    driver.get(base + "/login/")
    driver.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                       "path": "/"})


def _wait(driver, script, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for: {script}")


def test_a_map_drawn_in_the_modeler_is_published_and_run_to_its_end(chromium, live_server):
    world = build_world()
    services.lanemapping_seed_defaults()
    actors = Actors(world)
    item = make_item(code="BROWSER-1")
    pm = services.processmap_import(user=actors.editor, item=item, division_code=COUNTY,
                                    xml=template_bytes("blank"), source_name="template:blank")

    _login(chromium, live_server.url, actors.editor)
    chromium.get(f"{live_server.url}/flows/maps/{pm.pk}/")
    _wait(chromium, "return window.flowsReady === true")
    task_id = chromium.execute_script(DRAW)
    chromium.execute_script("window.confirm = () => true;")
    chromium.find_element("id", "btn-validate").click()
    _wait(chromium, "return document.getElementById('result').textContent.includes('校验通过')")
    chromium.find_element("id", "btn-publish").click()
    _wait(chromium, "return document.getElementById('result').textContent.includes('已发布')")
    pm.refresh_from_db()
    assert pm.status == "published"
    assert task_id.encode() in pm.document.xml_bytes and "浏览器审核".encode() in pm.document.xml_bytes
    assert "时限:3工作小时".encode() in pm.document.xml_bytes

    _login(chromium, live_server.url, actors.handler)
    chromium.get(f"{live_server.url}/flows/items/{item.code}/")
    chromium.find_element("css selector", "#start-case button").click()
    _wait(chromium, "return location.pathname.startsWith('/flows/cases/')")
    case = Case.objects.get()
    assert case.process_map_id == pm.pk and case.current_step == "浏览器审核"
    opened = dt.datetime.fromisoformat(case.ready_tasks[0]["opened_at"])
    assert case.due_at == workcal.due_time(opened, 3, "hours").due_at  # the limit set in the modeler
    _wait(chromium, "return (window.flowsMarked || []).length === 1")  # the viewer highlights the current step
    chromium.find_element("css selector", "form.complete button").click()
    _wait(chromium, "return document.body.textContent.includes('已办结')")
    case.refresh_from_db()
    assert case.state == "completed"
    assert list(case.steps.values_list("task_name", "actor_name")) == [("浏览器审核", "t-handler")]
    assert ProcessMap.objects.filter(item=item, status="published").count() == 1
