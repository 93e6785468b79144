"""Handing a town a task that was never admitted is refused, naming the missing admission."""
import pytest
from rest_framework.test import APIClient

from catalog import services
from catalog.models import Admission, Assignment
from catalog.tests.factory import build_catalog
from core.errors import PlatformError
from core.models import AuditLog
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def _file(cat, **extra):  # noqa: ANN001, ANN003, ANN202
    payload = {"department": cat.units["321002-cgj"].pk, "title": "背街小巷环境整治巡查", "legal_basis": "《城市市容和环境卫生管理条例》",
               "staff": 2, "funds": "10.50", "systems": "数字城管子系统账号"} | extra
    return _api(cat.dept).post("/api/catalog/admissions/", payload, format="json")


def test_task_without_admission_is_refused_naming_it():
    cat = build_catalog(build_world())
    r = _api(cat.dept).post("/api/catalog/assignments/", {"division": "321002106000", "title": "背街小巷整治"},
                            format="json")
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "admission_missing" and "背街小巷整治" in err["message"] and "准入" in err["message"]
    assert Assignment.objects.count() == 0


def test_task_under_unapproved_admission_is_refused_naming_it():
    cat = build_catalog(build_world())
    code = _file(cat).json()["code"]
    r = _api(cat.dept).post("/api/catalog/assignments/", {"division": "321002106000", "title": "整治",
                                                          "admission": code}, format="json")
    assert r.status_code == 400
    assert code in r.json()["error"]["message"] and "待审核" in r.json()["error"]["message"]
    r = _api(cat.dept).post("/api/catalog/assignments/", {"division": "321002106000", "title": "整治",
                                                          "admission": "ZR999999-2026-0001"}, format="json")
    assert r.status_code == 400 and "ZR999999-2026-0001 不存在" in r.json()["error"]["message"]


def test_review_cycle_then_handover_allowed():
    cat = build_catalog(build_world())
    r = _file(cat)
    assert r.status_code == 201, r.content
    aid, code = r.json()["id"], r.json()["code"]
    assert code.startswith("ZR321002-") and r.json()["state"] == "submitted"
    reform = _api(cat.reform)
    r = reform.post(f"/api/catalog/admissions/{aid}/review/", {"decision": "approve", "reason": ""}, format="json")
    assert r.status_code == 400  # a review always carries reasons
    r = reform.post(f"/api/catalog/admissions/{aid}/review/", {"decision": "return", "reason": "未写明经费来源"},
                    format="json")
    assert r.json()["state"] == "returned"
    r = _api(cat.dept).post(f"/api/catalog/admissions/{aid}/resubmit/", {"reason": "补充经费来源", "funds": "20"},
                            format="json")
    assert r.json()["state"] == "submitted" and r.json()["funds"] == "20.00"
    r = reform.post(f"/api/catalog/admissions/{aid}/review/", {"decision": "approve", "reason": "随交资源到位"},
                    format="json")
    assert r.json()["state"] == "approved"
    assert [h["step"] for h in r.json()["history"]] == ["file", "review", "resubmit", "review"]
    r = _api(cat.dept).get(f"/api/catalog/handover-check/?town=321002106000&admission={code}&task=整治")
    assert r.status_code == 200 and r.json()["allowed"] is True
    r = _api(cat.dept).post("/api/catalog/assignments/", {"division": "321002106000", "title": "整治",
                                                          "admission": code}, format="json")
    assert r.status_code == 201, r.content
    logs = AuditLog.objects.filter(model="catalog.Admission", object_id=str(aid)).order_by("id")
    assert [(row.before or {}).get("state") for row in logs][1:] == ["submitted", "returned", "submitted"]
    assert logs.last().after["state"] == "approved"


def test_gate_refuses_other_county_and_towns_not_named():
    world = build_world()
    cat = build_catalog(world)
    admission = services.admission_file(department=cat.units["321002-cgj"], title="试点任务", legal_basis="文件",
                                        towns=[world.town_a], user=cat.dept)
    services.admission_review(admission=admission, decision="approve", reason="同意", user=cat.reform)
    assert services.admission_require(town=world.town_a, admission=admission.code).pk == admission.pk
    with pytest.raises(PlatformError, match="承接乡镇不包括湾头镇"):
        services.admission_require(town=world.town_b, admission=admission.code)
    with pytest.raises(PlatformError, match="其他县"):
        services.admission_require(town=world.town_c, admission=admission.code)


def test_only_reform_office_reviews_and_towns_cannot_file():
    cat = build_catalog(build_world())
    aid = _file(cat).json()["id"]
    r = _api(cat.dept).post(f"/api/catalog/admissions/{aid}/review/", {"decision": "approve", "reason": "x"},
                            format="json")
    assert r.status_code == 403
    assert Admission.objects.get(pk=aid).state == "submitted"
    r = _api(cat.town_user).post("/api/catalog/admissions/", {"department": cat.units["321002-cgj"].pk, "title": "x",
                                                              "legal_basis": "x"}, format="json")
    assert r.status_code == 403
