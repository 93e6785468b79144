"""The API: a new definition version, results with drill-down, a run with its progress, and the
town's powers over a stationed body (dispatch and complete, suggestion and the department's answer)."""
from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from assess import services
from assess.periods import period_of
from assess.tests import world as W
from core.testing.commit import committed

pytestmark = pytest.mark.django_db


def _api(user: object) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)  # type: ignore[arg-type]
    return c


@pytest.fixture
def aw() -> W.AssessWorld:
    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    services.results_compute(division=aw.world.county, period=period_of("month", dt.date(2026, 3, 1)), as_of=W.AS_OF)
    return aw


def test_definition_version_results_and_drill(aw: W.AssessWorld) -> None:
    api = _api(aw.users["reform"])
    r = api.post("/api/assess/indicators/", {"division": W.COUNTY, "code": "close_rate",
                                             "denominator": "region_dispatched", "numerator": "region_dispatched_closed",
                                             "valid_from": "2026-05-01"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["version"] == 2 and r.json()["subject_type"] == "town"
    bad = api.post("/api/assess/indicators/", {"division": W.COUNTY, "code": "close_rate", "valid_from": "不是日期"},
                   format="json")
    assert bad.status_code == 400 and "日期" in bad.json()["error"]["message"]
    rows = api.get("/api/assess/results/", {"code": "return_rate", "period_start": "2026-03-01"}).json()["results"]
    uA = next(x for x in rows if x["subject_key"] == str(aw.units["uA"].pk))
    assert (uA["numerator"], uA["denominator"], uA["denominator_fact"]) == (1, 3, "unit_dispatched")
    drill = api.get(f"/api/assess/results/{uA['id']}/drill/", {"part": "numerator"}).json()
    assert drill["count"] == 1 and drill["rows"][0]["id"] == aw.events["E3"].pk
    assert api.get(f"/api/assess/results/{uA['id']}/drill/", {"part": "x"}).status_code == 400


def test_run_on_demand_through_the_api(aw: W.AssessWorld) -> None:
    api = _api(aw.users["cc"])
    with committed():
        r = api.post("/api/assess/runs/", {"division": W.COUNTY, "period_kind": "week", "day": "2026-03-04"},
                     format="json")
    assert r.status_code == 201, r.content
    done = api.get(f"/api/assess/runs/{r.json()['id']}/").json()
    assert (done["status"], done["percent"]) == ("done", 100) and done["stored"] > 0
    assert api.post("/api/assess/runs/", {"division": W.COUNTY, "period_kind": "decade", "day": "2026-03-04"},
                    format="json").status_code == 400
    assert _api(aw.users["w1"]).post("/api/assess/runs/", {"division": W.COUNTY, "period_kind": "week",
                                                           "day": "2026-03-04"}, format="json").status_code == 403


def test_town_powers_over_a_stationed_body(aw: W.AssessWorld) -> None:
    town = _api(aw.users["cB"])
    st = aw.units["st"]
    r = town.post("/api/assess/dispatches/", {"unit": st.pk, "task": "节日市场检查",
                                              "due_at": "2026-05-01T17:00:00+08:00"}, format="json")
    assert r.status_code == 201, r.content
    done = town.post(f"/api/assess/dispatches/{r.json()['id']}/complete/", {"result": "已完成"}, format="json")
    assert done.status_code == 200 and done.json()["completed_at"]
    again = town.post(f"/api/assess/dispatches/{r.json()['id']}/complete/", {"result": "再次"}, format="json")
    assert again.status_code == 409
    s = town.post("/api/assess/suggestions/", {"unit": st.pk, "suggestion": "建议调整负责人"}, format="json")
    assert s.status_code == 201 and s.json()["overdue"] is False
    market = aw.world.user("market-handler", W.COUNTY, ["dept_handler"])
    market.unit = aw.units["market"]
    market.save()
    answered = _api(market).post(f"/api/assess/suggestions/{s.json()['id']}/answer/", {"answer": "同意"}, format="json")
    assert answered.status_code == 200 and answered.json()["answer"] == "同意"
    other = _api(aw.users["hd"]).post(f"/api/assess/suggestions/{s.json()['id']}/answer/", {"answer": "x"},
                                      format="json")
    assert other.status_code in (403, 409)
    wrong = town.post("/api/assess/dispatches/", {"unit": aw.units["uB"].pk, "task": "x",
                                                  "due_at": "2026-05-01T17:00:00+08:00"}, format="json")
    assert wrong.status_code == 400 and "派驻机构" in wrong.json()["error"]["message"]
