"""A return (退还) goes through every review step; the item leaves the town list on the effective
date and goes back to the county department; the responsibility answer follows without a restart."""
import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import selectors, services
from catalog.models import PowerChange
from catalog.tests.factory import build_catalog, evidence_upload
from core.models import AuditLog
from core.testing.world import build_world


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def _return_payload(effective):  # noqa: ANN001, ANN202
    return {"kind": "return", "division": "321002106000", "item": "CG-CF-001", "reason_category": "staff",
            "reason": "执法人员仅 3 人，无法承担占道堆物查处", "evidence": "人员花名册、近一年办件统计",
            "legal_reviewer": "湾头司法所 王律师", "legal_opinion": "退还符合法定程序", "legal_review_date":
            timezone.localdate().isoformat(), "effective_date": effective.isoformat(),
            "handover_plan": "在办 2 件于生效前移交县城管局", "evidence_files": [evidence_upload()]}


@pytest.mark.django_db
def test_return_filing_requires_every_part():
    cat = build_catalog(build_world())
    count = PowerChange.objects.count()
    r = _api(cat.town_user).post("/api/catalog/changes/", {
        "kind": "return", "division": "321002106000", "item": "CG-CF-001", "reason": "人手不足",
        "effective_date": (timezone.localdate() + dt.timedelta(days=5)).isoformat()}, format="json")
    assert r.status_code == 400
    err = r.json()["error"]
    assert "合法性审查意见" in err["message"] and "在办事项移交方案" in err["message"]
    assert set(err["fields"]) >= {"reason_category", "evidence_files", "legal_reviewer", "legal_opinion",
                                  "legal_review_date", "handover_plan"}
    assert PowerChange.objects.count() == count


@pytest.mark.django_db
def test_return_of_item_not_on_town_list_is_refused():
    cat = build_catalog(build_world())
    payload = _return_payload(timezone.localdate() + dt.timedelta(days=5)) | {"item": "CG-CF-003"}
    r = _api(cat.town_user).post("/api/catalog/changes/", payload, format="multipart")
    assert r.status_code == 400 and "不在湾头镇清单中" in r.json()["error"]["message"]


@pytest.mark.django_db
def test_steps_out_of_order_are_refused():
    cat = build_catalog(build_world())
    change_id = _api(cat.town_user).post("/api/catalog/changes/", _return_payload(
        timezone.localdate() + dt.timedelta(days=5)), format="multipart").json()["id"]
    r = _api(cat.reform).post(f"/api/catalog/changes/{change_id}/decide/", {"decision": "approve", "reason": "同意"},
                              format="json")
    assert r.status_code == 409 and "须先有部门意见" in r.json()["error"]["message"]
    # a town user cannot approve its own return, whatever its roles
    r = _api(cat.world.insider).post(f"/api/catalog/changes/{change_id}/department-opinion/",
                                     {"agree": True, "opinion": "x"}, format="json")
    assert r.status_code == 403


@pytest.mark.django_db
def test_return_for_changes_then_resubmit():
    cat = build_catalog(build_world())
    town, dept, reform = _api(cat.town_user), _api(cat.dept), _api(cat.reform)
    cid = town.post("/api/catalog/changes/", _return_payload(timezone.localdate() + dt.timedelta(days=5)),
                    format="multipart").json()["id"]
    assert dept.post(f"/api/catalog/changes/{cid}/department-opinion/", {"agree": True, "opinion": "同意收回"},
                     format="json").status_code == 200
    r = reform.post(f"/api/catalog/changes/{cid}/decide/", {"decision": "return", "reason": "移交方案不具体"},
                    format="json")
    assert r.json()["state"] == "returned"
    r = town.post(f"/api/catalog/changes/{cid}/resubmit/", {"reason": "补充移交清单", "handover_plan": "逐件移交"},
                  format="json")
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    assert [h["step"] for h in r.json()["history"]] == ["file", "department", "decide", "resubmit"]


@pytest.mark.django_db(transaction=True)
def test_return_end_to_end(settings):
    settings.CACHE_GENERATION_TTL = 0
    cat = build_catalog(build_world())
    today = timezone.localdate()
    effective = today + dt.timedelta(days=10)
    town, dept, reform = _api(cat.town_user), _api(cat.dept), _api(cat.reform)

    def answer(on):  # noqa: ANN001, ANN202
        r = town.get(f"/api/catalog/responsibility/?division=321002106001&matter=M1&as_of={on}")
        assert r.status_code == 200, r.content
        return r.json()

    assert answer(effective)["main"]["name"] == "综合执法局"  # warm: the cache is built

    r = town.post("/api/catalog/changes/", _return_payload(effective), format="multipart")
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert r.json()["state"] == "submitted" and r.json()["open_work"] == []
    r = dept.post(f"/api/catalog/changes/{cid}/department-opinion/", {"agree": True, "opinion": "同意收回"},
                  format="json")
    assert r.json()["state"] == "dept_reviewed"
    r = reform.post(f"/api/catalog/changes/{cid}/decide/", {"decision": "approve", "reason": "理由充分，同意退还"},
                    format="json")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "approved"

    # the list: still on the town list the day before, gone on the effective date; the past unchanged
    day_before = (effective - dt.timedelta(days=1)).isoformat()
    lists = {d: {x["kind"]: [i["code"] for i in x["items"]] for x in town.get(
        f"/api/catalog/lists/?division=321002106000&as_of={d}").json()["results"]}
        for d in (day_before, effective.isoformat(), cat.start.isoformat())}
    assert "CG-CF-001" in lists[day_before]["enforcement"]
    assert "CG-CF-001" not in lists[effective.isoformat()]["enforcement"]
    assert "CG-CF-001" in lists[cat.start.isoformat()]["enforcement"]
    versions = town.get(f"/api/catalog/list-versions/?division=321002106000&change={cid}").json()["results"]
    assert versions[0]["source"] == "return" and "退还" in versions[0]["reason"]

    # the responsibility answer, from the same running process, without a restart
    before, after = answer(effective - dt.timedelta(days=1)), answer(effective)
    assert before["main"]["name"] == "综合执法局"
    assert after["main"]["name"] == "321002城市管理局" and after["change"] == cid
    assert [u["name"] for u in after["cooperating"]] == ["综合执法局"]

    # on the day, the sweep marks it in force (idempotent)
    assert services.changes_apply_due(today=effective) == 1
    assert services.changes_apply_due(today=effective) == 0
    change = PowerChange.objects.get(pk=cid)
    assert change.state == "in_force"
    assert [h["step"] for h in change.history] == ["file", "department", "decide", "in_force"]
    # every step audited with before and after
    logs = AuditLog.objects.filter(model="catalog.PowerChange", object_id=str(cid)).order_by("id")
    states = [(row.before or {}).get("state") for row in logs] + [logs.last().after["state"]]
    assert states == [None, "submitted", "dept_reviewed", "approved", "in_force"]
    assert {row.actor_name for row in logs} >= {"town-b", "dept-321002", "reform-321002"}


@pytest.mark.django_db(transaction=True)
def test_approval_effective_today_changes_answer_for_other_processes(settings):
    """Another process (its own generation memory) sees the new answer after the bump, no restart."""
    from core import cachegen

    settings.CACHE_GENERATION_TTL = 60  # a long TTL: only forgetting local memory (a new process) re-reads
    cat = build_catalog(build_world())
    today = timezone.localdate()
    assert selectors.responsibility_for("321002106000", "M1").main.name == "综合执法局"
    change = services.change_file(kind="adjustment", op="remove", town=cat.world.town_b, item=cat.items["CG-CF-001"],
                                  reason="县级统一调整", effective_date=today, user=cat.reform)
    services.change_department_opinion(change=change, agree=True, opinion="同意", user=cat.dept)
    services.change_decide(change=change, decision="approve", reason="同意", user=cat.reform)
    # this process bumped and forgot its own memory on commit: immediate
    assert selectors.responsibility_for("321002106000", "M1").main.name == "321002城市管理局"
    assert PowerChange.objects.get(pk=change.pk).state == "in_force"
    # a worker process that had read the old generation re-reads it once its TTL passes
    cachegen._seen["catalog.responsibility"] = (-5, 0.0)
    assert selectors.responsibility_for("321002106000", "M1").main.name == "321002城市管理局"
