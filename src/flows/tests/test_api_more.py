"""API odds and ends: my tasks, retire, deleting drafts only, bad starts."""
import pytest
from rest_framework.test import APIClient

from flows import services
from flows.models import ProcessMap
from flows.tests.helpers import COUNTY, TOWN_A, make_item, publish, setup, template

pytestmark = pytest.mark.django_db


def _c(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_my_tasks_lists_only_the_lanes_a_user_may_act_for():
    world, actors = setup()
    a, p = make_item("A-1", "approval"), make_item("P-1", "penalty")
    publish(actors, a, template("approval"))
    publish(actors, p, template("penalty"))
    ca = services.case_start(user=actors.handler, item=a, division_code=TOWN_A)
    cp = services.case_start(user=actors.handler, item=p, division_code=TOWN_A)
    assert [r["id"] for r in _c(actors.handler).get("/api/my-tasks/").json()["results"]] == [ca.pk]
    assert [r["id"] for r in _c(actors.officer).get("/api/my-tasks/").json()["results"]] == [cp.pk]
    assert _c(actors.grid).get("/api/my-tasks/").json()["count"] == 0


def test_retire_and_delete_rules():
    world, actors = setup()
    item = make_item()
    pm = publish(actors, item, template("approval"))
    editor = _c(actors.editor)
    assert editor.delete(f"/api/process-maps/{pm.pk}/").status_code == 409
    assert editor.post(f"/api/process-maps/{pm.pk}/retire/").json()["status"] == "retired"
    assert editor.post(f"/api/process-maps/{pm.pk}/retire/").status_code == 409
    draft = services.processmap_import(user=actors.editor, item=item, division_code=COUNTY, xml=template("penalty"))
    assert editor.delete(f"/api/process-maps/{draft.pk}/").status_code == 204
    assert not ProcessMap.objects.filter(pk=draft.pk).exists()
    r = _c(actors.handler).post("/api/cases/", {"item": item.code, "division": TOWN_A}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_map"


def test_bad_start_requests_are_4xx_with_messages():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    h = _c(actors.handler)
    assert h.post("/api/cases/", {"item": "NOPE", "division": TOWN_A}, format="json").status_code == 400
    assert h.post("/api/cases/", {"item": item.code, "division": COUNTY}, format="json").status_code == 400
    assert h.post("/api/cases/", {"item": item.code}, format="json").status_code == 400
    assert h.post("/api/cases/", {"item": item.code, "division": TOWN_A, "data": [1]}, format="json").status_code == 400
    assert _c(actors.grid).post("/api/cases/", {"item": item.code, "division": TOWN_A}, format="json").status_code == 403
    r = h.post("/api/cases/1/complete/", {"task_id": "x", "inputs": "{bad"}, format="json")
    assert r.status_code in (400, 404)
