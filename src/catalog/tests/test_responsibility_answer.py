"""The responsibility answer for any town (or anything inside it) and matter; gaps are reported."""
import datetime as dt

import pytest
from rest_framework.test import APIClient

from catalog import selectors, services
from catalog.tests.factory import build_catalog
from core.errors import PlatformError
from core.models import AuditLog
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_answer_for_town_and_village_and_gap():
    cat = build_catalog(build_world())
    api = _api(cat.reform)
    for code in ("321002106000", "321002106001"):
        r = api.get(f"/api/catalog/responsibility/?division={code}&matter=M1")
        assert r.status_code == 200
        body = r.json()
        assert body["town"] == "321002106000" and body["division"] == code
        assert body["main"]["name"] == "综合执法局" and body["gap"] is False
        assert [u["name"] for u in body["cooperating"]] == ["321002城市管理局"]
    r = api.get("/api/catalog/responsibility/?division=321002106000&matter=M2").json()
    assert r["main"] is None and r["gap"] is True and r["county_department_code"] == "cgj"
    gaps = api.get("/api/catalog/gaps/?page_size=2000").json()["results"]
    assert {"town": "321002106000", "town_name": "湾头镇", "matter": "M2", "matter_name": "绿化养护监管",
            "reason": "未明确责任分工"} in gaps
    assert not any(g["town"] == "321002106000" and g["matter"] == "M1" for g in gaps)


def test_bad_requests_are_4xx_with_messages():
    cat = build_catalog(build_world())
    api = _api(cat.reform)
    assert api.get("/api/catalog/responsibility/?division=321002000000&matter=M1").status_code == 400
    assert api.get("/api/catalog/responsibility/?division=abc&matter=M1").status_code == 400
    assert api.get("/api/catalog/responsibility/?division=321002106000").status_code == 400
    r = api.get("/api/catalog/responsibility/?division=321002106000&matter=NOPE")
    assert r.status_code == 404 and "NOPE" in r.json()["error"]["message"]


def test_set_responsibility_closes_previous_interval_and_is_audited(django_capture_on_commit_callbacks):
    cat = build_catalog(build_world())
    later = cat.start + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        r = _api(cat.reform).post("/api/catalog/responsibilities/", {
            "division": "321002106000", "matter": "M2", "main_unit": cat.units["321002106000-综合执法局"].pk,
            "cooperating_units": [cat.units["321002-cgj"].pk], "valid_from": later.isoformat()}, format="json")
    assert r.status_code == 201, r.content
    assert selectors.responsibility_for("321002106000", "M2").main.name == "综合执法局"
    assert selectors.responsibility_for("321002106000", "M2", later - dt.timedelta(days=1)).main is None
    log = AuditLog.objects.filter(model="catalog.Responsibility", object_id=str(r.json()["id"])).get()
    assert log.after["main_unit_id"] == cat.units["321002106000-综合执法局"].pk
    # a new main for M1 closes the old interval (before/after audited)
    with django_capture_on_commit_callbacks(execute=True):
        services.responsibility_set(town=cat.world.town_b, matter=cat.matters["M1"],
                                    main_unit=cat.units["321002-cgj"], valid_from=later, user=cat.reform)
    closed = AuditLog.objects.filter(model="catalog.Responsibility", action="update").last()
    assert closed.before["valid_to"] is None and closed.after["valid_to"] == later.isoformat()
    assert selectors.responsibility_for("321002106000", "M1", later).main.name == "321002城市管理局"


def test_units_must_belong_to_town_or_its_county():
    cat = build_catalog(build_world())
    with pytest.raises(PlatformError, match="既不是本乡镇"):
        services.responsibility_set(town=cat.world.town_b, matter=cat.matters["M2"],
                                    main_unit=cat.units["321003-cgj"], user=cat.reform)
    with pytest.raises(PlatformError, match="不能同时是配合"):
        unit = cat.units["321002-cgj"]
        services.responsibility_set(town=cat.world.town_b, matter=cat.matters["M2"], main_unit=unit,
                                    cooperating=[unit], user=cat.reform)
