"""The list in force on any date: county uniform list, town adoption with differences, versions."""
import datetime as dt

import pytest
from rest_framework.test import APIClient

from catalog import selectors, services
from catalog.tests.factory import build_catalog
from core.models import AuditLog
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_town_list_is_county_list_plus_added_minus_withheld():
    cat = build_catalog(build_world())
    state = selectors.list_state(cat.lists["b-enforcement"])
    assert state.codes == ["CG-CF-001", "CG-CF-015"]
    assert {e.item.code: e.origin for e in state.entries} == {"CG-CF-001": "county", "CG-CF-015": "town"}
    assert [e.item.code for e in state.withheld] == ["CG-CF-003"]
    assert state.withheld[0].reason == "街面秩序由县城管大队统一执法"


def test_as_of_past_and_future_dates_via_api():
    cat = build_catalog(build_world())
    future = cat.start + dt.timedelta(days=60)
    services.list_version_record(item_list=cat.lists["county-enforcement"], effective_date=future,
                                 entries=[{"item": "CG-CF-003", "op": "remove", "reason": "收回"}],
                                 reason="县级清单调整", user=cat.reform)
    services.list_version_record(item_list=cat.lists["b-approval"], effective_date=future,
                                 entries=[{"item": "CG-XK-005", "op": "remove", "reason": "暂不承接"}],
                                 reason="湾头镇差异化调整", user=cat.reform)
    api = _api(cat.town_user)

    def items(as_of):  # noqa: ANN001, ANN202
        r = api.get(f"/api/catalog/lists/?division=321002106000&as_of={as_of}")
        assert r.status_code == 200, r.content
        return {row["kind"]: [i["code"] for i in row["items"]] for row in r.json()["results"]}

    before = (cat.start - dt.timedelta(days=1)).isoformat()
    assert items(before) == {"approval": [], "enforcement": []}
    assert items(cat.start.isoformat()) == {"approval": ["CG-XK-002", "CG-XK-005"],
                                            "enforcement": ["CG-CF-001", "CG-CF-015"]}
    assert items(future.isoformat()) == {"approval": ["CG-XK-002"], "enforcement": ["CG-CF-001", "CG-CF-015"]}
    county = api.get(f"/api/catalog/lists/?division=321002000000&as_of={future}").json()["results"]
    assert {r["kind"]: [i["code"] for i in r["items"]] for r in county}["enforcement"] == ["CG-CF-001"]


def test_bad_as_of_is_400_with_message():
    cat = build_catalog(build_world())
    r = _api(cat.town_user).get("/api/catalog/lists/?division=321002106000&as_of=2026-13-40")
    assert r.status_code == 400
    assert "YYYY-MM-DD" in r.json()["error"]["message"]


def test_version_refuses_bad_entries_and_writes_nothing():
    cat = build_catalog(build_world())
    item_list = cat.lists["county-enforcement"]
    count = item_list.versions.count()
    r = _api(cat.reform).post(f"/api/catalog/lists/{item_list.pk}/record/", {
        "effective_date": cat.start.isoformat(), "reason": "x",
        "entries": [{"item": "NOPE", "op": "add"}, {"item": "CG-XK-002", "op": "add"}, {"item": "ZR-CF-004", "op": "add"},
                    {"item": "CG-CF-001", "op": "add"}]}, format="json")
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]["entries"]
    assert any("NOPE" in e for e in fields)
    assert any("不属于行政执法清单" in e for e in fields)
    assert any("不可赋权" in e for e in fields)
    assert any("已在清单中" in e for e in fields)
    assert item_list.versions.count() == count


def test_town_cannot_edit_lists_directly():
    cat = build_catalog(build_world())
    town_reform = cat.world.user("reform-town-b", "321002106000", ["reform_office"])
    r = _api(town_reform).post(f"/api/catalog/lists/{cat.lists['b-approval'].pk}/record/", {
        "effective_date": cat.start.isoformat(), "reason": "x", "entries": [{"item": "CG-XK-005", "op": "remove"}]},
        format="json")
    assert r.status_code == 403
    assert "赋权、调整或退还" in r.json()["error"]["message"]
    # and the county list is not even writable (404) for a town user
    r = _api(town_reform).post(f"/api/catalog/lists/{cat.lists['county-approval'].pk}/record/", {}, format="json")
    assert r.status_code == 404


def test_versions_show_why_and_are_audited():
    cat = build_catalog(build_world())
    item_list = cat.lists["b-enforcement"]
    r = _api(cat.town_user).get(f"/api/catalog/lists/{item_list.pk}/versions/")
    assert r.status_code == 200
    v = r.json()["results"][0]
    assert v["source"] == "adopt" and v["reason"] == "承接县级清单"
    assert {e["item"]: e["reason"] for e in v["entries"]}["CG-CF-015"].startswith("湾头镇")
    log = AuditLog.objects.filter(model="catalog.ListVersion", object_id=str(v["id"]), action="create").get()
    assert log.after["reason"] == "承接县级清单" and log.before is None
    assert log.actor_name == "reform-321002"


def test_create_list_via_api_for_county_and_town():
    world = build_world()
    cat = build_catalog(world)
    reform_c = world.user("reform-321003", "321003000000", ["reform_office"])
    api = _api(reform_c)
    r = api.post("/api/catalog/lists/", {"division": "321003000000", "kind": "approval",
                                         "effective_date": cat.start.isoformat(), "reason": "发布",
                                         "items": ["CG-XK-002"]}, format="json")
    assert r.status_code == 201, r.content
    assert [i["code"] for i in r.json()["items"]] == ["CG-XK-002"]
    r = api.post("/api/catalog/lists/", {"division": "321003001000", "kind": "approval",
                                         "effective_date": cat.start.isoformat(), "reason": "承接",
                                         "withheld": [{"item": "CG-XK-002", "op": "remove", "reason": ""}]},
                 format="json")
    assert r.status_code == 400 and "暂不承接的理由" in r.json()["error"]["message"]
    r = api.post("/api/catalog/lists/", {"division": "321003001000", "kind": "approval",
                                         "effective_date": cat.start.isoformat(), "reason": "承接"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["base"] is not None and [i["code"] for i in r.json()["items"]] == ["CG-XK-002"]
