"""Garbage in the catalog and org API is a 400 with a Chinese message naming the parameter — never a 500.

Query parameters go through serializers (catalog.api.serializers.*QuerySerializer,
org.api.serializers.LeadershipQuerySerializer); bodies through the write serializers, whose
dates are bounded (core.api.fields.PlatformDateField)."""
import datetime as dt

import pytest
from rest_framework.test import APIClient

from catalog.models import Admission, PowerChange
from catalog.tests.factory import build_catalog, evidence_upload
from core.testing.world import build_world

pytestmark = pytest.mark.django_db

BAD_DATES = ["yesterday", "0001-01-01", "9999-12-31", "2026-02-30", "2026-3-2x", ""]


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _refused(response, field: str, status: int = 400) -> str:  # noqa: ANN001
    assert response.status_code == status, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert _chinese(error["message"]), error
    assert field in error["fields"] and all(_chinese(m) for m in error["fields"][field]), error
    return error["message"]


@pytest.fixture
def cat():  # noqa: ANN201
    return build_catalog(build_world())


@pytest.mark.parametrize("value", ["abc", "0", "-5", "99999", "1.5", "1e3"])
def test_gaps_page_size_garbage(cat, value: str) -> None:  # noqa: ANN001
    message = _refused(_api(cat.reform).get(f"/api/catalog/gaps/?page_size={value}"), "page_size")
    assert "page_size" in message


@pytest.mark.parametrize("value", ["abc", "0", "-1"])
def test_gaps_page_garbage(cat, value: str) -> None:  # noqa: ANN001
    _refused(_api(cat.reform).get(f"/api/catalog/gaps/?page={value}"), "page")


def test_gaps_good_paging_and_bad_town(cat) -> None:  # noqa: ANN001
    body = _api(cat.reform).get("/api/catalog/gaps/?page_size=1&page=2").json()
    assert body["page_size"] == 1 and body["page"] == 2 and len(body["results"]) == 1
    _refused(_api(cat.reform).get("/api/catalog/gaps/?town=abc"), "town")


@pytest.mark.parametrize("value", [v for v in BAD_DATES if v])
@pytest.mark.parametrize("url", ["/api/catalog/gaps/?as_of={}",
                                 "/api/catalog/responsibility/?division=321002106000&matter=M1&as_of={}",
                                 "/api/catalog/lists/?division=321002106000&as_of={}"])
def test_as_of_garbage(cat, url: str, value: str) -> None:  # noqa: ANN001
    _refused(_api(cat.reform).get(url.format(value)), "as_of")


def test_responsibility_answer_needs_both_parameters(cat) -> None:  # noqa: ANN001
    api = _api(cat.reform)
    assert "请给出职责事项编码 matter" in _refused(api.get("/api/catalog/responsibility/?division=321002106000"),
                                                  "matter")
    _refused(api.get("/api/catalog/responsibility/?matter=M1"), "division")
    _refused(api.get("/api/catalog/responsibility/?division=3210021060&matter=M1"), "division")
    _refused(api.get("/api/catalog/responsibility/?division=321002106000&matter=" + "M" * 31), "matter")
    ok = api.get("/api/catalog/responsibility/?division=321002106000&matter=M1")
    assert ok.status_code == 200 and ok.json()["main"]["name"] == "综合执法局"
    assert set(ok.json()) == {"division", "town", "as_of", "matter", "matter_name", "main", "cooperating", "gap",
                              "valid_from", "valid_to", "change", "county_department_code"}


def test_handover_check_garbage(cat) -> None:  # noqa: ANN001
    api = _api(cat.reform)
    _refused(api.get("/api/catalog/handover-check/"), "town")
    _refused(api.get("/api/catalog/handover-check/?town=wantou"), "town")
    r = api.get("/api/catalog/handover-check/?town=321002106000")
    assert r.status_code == 400 and "未经交办事项准入" in r.json()["error"]["message"]


@pytest.mark.parametrize("field,value", [("staff", "1.5"), ("staff", "abc"), ("staff", -5), ("funds", "abc"),
                                         ("funds", "-1"), ("funds", "1e20"), ("funds", "NaN"),
                                         ("valid_until", "0001-01-01"), ("valid_until", "9999-12-31"),
                                         ("valid_until", "yesterday"), ("department", "abc"), ("title", "")])
def test_admission_body_garbage(cat, field: str, value: object) -> None:  # noqa: ANN001
    body = {"department": cat.units["321002-cgj"].pk, "title": "垃圾分类督导", "legal_basis": "《条例》"} | {field: value}
    count = Admission.objects.count()
    _refused(_api(cat.dept).post("/api/catalog/admissions/", body, format="json"), field)
    assert Admission.objects.count() == count


@pytest.mark.parametrize("missing", ["department", "title", "legal_basis"])
def test_admission_missing_fields(cat, missing: str) -> None:  # noqa: ANN001
    body = {"department": cat.units["321002-cgj"].pk, "title": "垃圾分类督导", "legal_basis": "《条例》"}
    body.pop(missing)
    _refused(_api(cat.dept).post("/api/catalog/admissions/", body, format="json"), missing)


@pytest.mark.parametrize("value", ["yesterday", "0001-01-01", "9999-12-31"])
def test_change_dates_garbage(cat, value: str) -> None:  # noqa: ANN001
    today = dt.date.today()
    body = {"kind": "return", "division": "321002106000", "item": "CG-CF-001", "reason_category": "staff",
            "reason": "人手不足", "legal_reviewer": "司法所", "legal_opinion": "合法",
            "legal_review_date": today.isoformat(), "effective_date": value, "handover_plan": "移交",
            "evidence_files": [evidence_upload()]}
    _refused(_api(cat.town_user).post("/api/catalog/changes/", body, format="multipart"), "effective_date")
    body |= {"effective_date": (today + dt.timedelta(days=5)).isoformat(), "legal_review_date": value,
             "evidence_files": [evidence_upload()]}
    _refused(_api(cat.town_user).post("/api/catalog/changes/", body, format="multipart"), "legal_review_date")
    assert not PowerChange.objects.exists()


def test_evidence_of_a_forbidden_type_is_refused(cat) -> None:  # noqa: ANN001
    today = dt.date.today()
    body = {"kind": "return", "division": "321002106000", "item": "CG-CF-001", "reason_category": "staff",
            "reason": "人手不足", "legal_reviewer": "司法所", "legal_opinion": "合法",
            "legal_review_date": today.isoformat(), "effective_date": (today + dt.timedelta(days=5)).isoformat(),
            "handover_plan": "移交", "evidence_files": [evidence_upload("run.exe", b"MZ")]}
    message = _refused(_api(cat.town_user).post("/api/catalog/changes/", body, format="multipart"),
                       "evidence_files")
    assert "run.exe" in message and not PowerChange.objects.exists()


@pytest.mark.parametrize("query,field", [("failing=maybe", "failing"), ("town=abc", "town"),
                                         ("town=32100210600", "town")])
def test_leadership_check_garbage(query: str, field: str) -> None:
    world = build_world()
    _refused(_api(world.outsider).get(f"/api/org/leadership-checks/?{query}"), field)
    ok = _api(world.outsider).get("/api/org/leadership-checks/?failing=true")
    assert ok.status_code == 200


@pytest.mark.parametrize("value", ["abc", "0", "-5", "99999", "²", "1.5"])
def test_viewset_page_size_garbage(cat, value: str) -> None:  # noqa: ANN001
    """The shared pagination (core.api.pagination) of every list endpoint: '²' is a digit int() refuses."""
    r = _api(cat.reform).get("/api/catalog/items/", {"page_size": value})
    assert r.status_code == 400 and _chinese(r.json()["error"]["fields"]["page_size"][0])


def test_division_tree_and_leadership_pages_refuse_garbage() -> None:
    from django.test import Client

    world = build_world()
    client = Client()
    client.force_login(world.outsider)
    for url in ("/divisions/?parent=abc", "/divisions/?q=%00", "/divisions/?q=" + "x" * 51):
        r = client.get(url)
        assert r.status_code == 400 and "errorlist" in r.content.decode(), url
    assert client.get("/divisions/?q=湾头").status_code == 200
    assert client.get("/leadership/?failing=maybe").status_code == 200
