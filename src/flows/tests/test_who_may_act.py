"""Who may act follows the case's own town (issue 11 item 2): a city or county leader supervises a
town's case — sees it, its steps and its history — but the town's decision steps are the town's."""
from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from flows import selectors, services
from flows.models import Case, CaseStep
from flows.tests.helpers import TOWN_A, Actors, make_item, publish, setup, template
from org.models import Unit

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _at_decide(actors: Actors) -> Case:
    """A town-A approval case waiting at 决定 (lane 负责人: leader or town command)."""
    item = make_item()
    publish(actors, item, template("approval"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    for spec, inputs in (("Task_Accept", {}), ("Task_Review", {"review": "pass"})):
        case = Case.objects.get(pk=case.pk)
        assert case.ready_tasks[0]["spec"] == spec
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                    inputs=inputs)
    case = Case.objects.get(pk=case.pk)
    assert case.ready_tasks[0]["spec"] == "Task_Decide"
    return case


def test_a_city_leader_supervises_a_town_case_but_does_not_take_its_decision() -> None:
    world, actors = setup()
    case = _at_decide(actors)
    city_leader = world.user("city-leader", "321000000000", ["leader", "city_command"])
    county_leader = world.user("county-leader", "321002000000", ["leader", "county_command"])
    task_id = case.ready_tasks[0]["id"]
    for boss in (city_leader, county_leader):
        api = _api(boss)
        assert api.get(f"/api/cases/{case.pk}/").status_code == 200  # supervision: the case is visible
        assert api.get(f"/api/cases/{case.pk}/history/").json()["count"] == 2
        assert case.pk not in {r["id"] for r in api.get("/api/my-tasks/").json()["results"]}
        ready = api.get(f"/api/cases/{case.pk}/ready/").json()["results"]
        assert [r["you_may_act"] for r in ready] == [False]
        response = api.post(f"/api/cases/{case.pk}/complete/", {"task_id": task_id, "inputs": {"decision": "approve"}},
                            format="json")
        assert response.status_code == 403, response.content
        error = response.json()["error"]
        assert error["code"] == "not_your_task" and "东关街道" in error["message"] and "督办" in error["message"]
        page = Client()
        page.force_login(boss)
        html = page.get(f"/flows/cases/{case.pk}/").content.decode()
        assert 'class="complete"' not in html and "此环节不由您办理" in html  # no working form for the supervisor
        assert page.get("/todo/").content.decode().count(case.number) == 0
    assert Case.objects.get(pk=case.pk).revision == 2 and CaseStep.objects.filter(case=case).count() == 2

    # the town's own leader still takes it
    page = Client()
    page.force_login(actors.leader)
    assert 'class="complete"' in page.get(f"/flows/cases/{case.pk}/").content.decode()
    leader = _api(actors.leader)
    assert case.pk in {r["id"] for r in leader.get("/api/my-tasks/").json()["results"]}
    response = leader.post(f"/api/cases/{case.pk}/complete/", {"task_id": task_id, "inputs": {"decision": "approve"}},
                           format="json")
    assert response.status_code == 201, response.content


def test_a_body_stationed_in_the_town_acts_there_and_its_county_department_does_not() -> None:
    world, actors = setup()
    case = _at_decide(actors)
    home = Unit.objects.create(division_id="321002000000", name="广陵区司法局", kind="county_department")
    stationed = Unit.objects.create(division_id=TOWN_A, name="东关司法所", kind="stationed", home_department=home)
    in_town = world.user("stationed-leader", "321002000000", ["leader"])
    in_town.unit = stationed
    in_town.save()
    at_home = world.user("dept-leader", "321002000000", ["leader"])
    at_home.unit = home
    at_home.save()
    assert selectors.acting_divisions(in_town) == {"321002000000", TOWN_A}
    assert selectors.acts_in(in_town, TOWN_A) and not selectors.acts_in(at_home, TOWN_A)
    assert case.pk not in {c.pk for c in selectors.my_tasks(at_home)}
    assert case.pk in {c.pk for c in selectors.my_tasks(in_town)}
    task_id = case.ready_tasks[0]["id"]
    refused = _api(at_home).post(f"/api/cases/{case.pk}/complete/", {"task_id": task_id,
                                                                       "inputs": {"decision": "approve"}}, format="json")
    assert refused.status_code == 403
    done = _api(in_town).post(f"/api/cases/{case.pk}/complete/", {"task_id": task_id,
                                                                    "inputs": {"decision": "approve"}}, format="json")
    assert done.status_code == 201, done.content


def test_a_lane_that_names_bodies_is_taken_by_the_towns_own_body() -> None:
    """受理窗口 names 行政审批局: the town's own bureau takes it; a county bureau of that name does
    not, even for a user filed under the town."""
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    assert case.ready_tasks[0]["keys"] == ["受理窗口"]
    county_bureau = Unit.objects.create(division_id="321002000000", name="广陵区行政审批局", kind="county_department")
    misfiled = world.user("misfiled", TOWN_A, ["dept_handler"])
    misfiled.unit = county_bureau
    misfiled.save()
    assert not selectors.user_may_act(misfiled, ["受理窗口"], division_code=TOWN_A)
    assert case.pk not in {c.pk for c in selectors.my_tasks(misfiled)}
    assert selectors.user_may_act(actors.handler, ["受理窗口"], division_code=TOWN_A)
    assert case.pk in {c.pk for c in selectors.my_tasks(actors.handler)}
    refused = _api(misfiled).post(f"/api/cases/{case.pk}/complete/", {"task_id": case.ready_tasks[0]["id"]},
                                  format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_task"
