"""Pages: the public town list (no login), list page with as_of and Excel import, the return procedure by forms."""
import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from catalog.models import PowerChange
from catalog.tests.factory import build_catalog, evidence_upload
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _session(user):  # noqa: ANN001, ANN202
    c = Client()
    c.force_login(user)
    return c


def test_public_town_page_needs_no_login():
    cat = build_catalog(build_world())
    r = Client().get("/public/lists/321002106000/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "湾头镇" in body and "CG-CF-015" in body and "CG-CF-003" not in body
    assert Client().get("/public/lists/").status_code == 200
    assert Client().get("/public/lists/321002001000/").status_code == 404  # town A has published nothing
    xlsx = Client().get("/public/lists/321002106000/enforcement.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws.cell(3, 2).value == "CG-CF-001"
    before = Client().get(f"/public/lists/321002106000/?as_of={cat.start - dt.timedelta(days=1)}")
    assert "CG-CF-001" not in before.content.decode()


def test_pages_render_for_county_and_town():
    cat = build_catalog(build_world())
    for user in (cat.reform, cat.town_user, cat.dept):
        s = _session(user)
        for url in ("/catalog/", "/catalog/items/?kind=penalty", "/catalog/matters/", "/catalog/gaps/",
                    "/catalog/admissions/", "/catalog/changes/", f"/catalog/lists/{cat.lists['b-enforcement'].pk}/"):
            assert s.get(url).status_code == 200, (user, url)
    page = _session(cat.town_user).get("/catalog/matters/?town=321002106000").content.decode()
    assert "综合执法局" in page and "未明确" in page


def test_import_page_reports_row_numbers_and_imports_nothing():
    cat = build_catalog(build_world())
    item_list = cat.lists["b-enforcement"]
    s = _session(cat.reform)
    wb = load_workbook(io.BytesIO(s.get(f"/catalog/lists/{item_list.pk}/export.xlsx").content))
    wb.active.append([3, "BAD-CODE", "x"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "list.xlsx"
    count = item_list.versions.count()
    r = s.post(f"/catalog/lists/{item_list.pk}/import/", {"file": out, "effective_date": "2026-01-01", "reason": "x"})
    assert r.status_code == 302
    msgs = [str(m) for m in get_messages(r.wsgi_request)]
    assert any("第 5 行" in m and "BAD-CODE" in m for m in msgs)
    assert item_list.versions.count() == count
    # the import form is offered to the county reform office, not to the town
    assert "校验并导入" in s.get(f"/catalog/lists/{item_list.pk}/").content.decode()
    assert "校验并导入" not in _session(cat.town_user).get(f"/catalog/lists/{item_list.pk}/").content.decode()


def test_return_by_forms():
    cat = build_catalog(build_world())
    today = timezone.localdate()
    r = _session(cat.town_user).post("/catalog/changes/", {
        "kind": "return", "division": "321002106000", "item": "CG-CF-001", "reason": "人手不足",
        "effective_date": (today + dt.timedelta(days=7)).isoformat(), "reason_category": "skills",
        "evidence": "培训记录", "legal_reviewer": "司法所", "legal_opinion": "合法", "legal_review_date": today.isoformat(),
        "handover_plan": "逐件移交", "evidence_files": evidence_upload()})
    change = PowerChange.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/catalog/changes/{change.pk}/"
    _session(cat.dept).post(f"/catalog/changes/{change.pk}/", {"action": "opinion", "agree": "agree", "opinion": "同意"})
    _session(cat.reform).post(f"/catalog/changes/{change.pk}/", {"action": "decide", "decision": "approve",
                                                                 "reason": "同意退还"})
    change.refresh_from_db()
    assert change.state == "approved"
    page = _session(cat.town_user).get(f"/catalog/changes/{change.pk}/").content.decode()
    assert "已批准，待生效" in page and "编办审核" in page and "暂无在办事项" in page
    r = _session(cat.town_user).post("/catalog/changes/", {"kind": "return", "division": "321002106000",
                                                           "item": "CG-CF-015", "reason": "x",
                                                           "effective_date": today.isoformat()})
    assert r.status_code == 400 and "退还申报缺少" in r.content.decode()


def test_responsibility_page_sets_a_new_division_of_labour(django_capture_on_commit_callbacks):
    cat = build_catalog(build_world())
    url = "/catalog/matters/M2/321002106000/"
    assert "尚未明确分工" in _session(cat.town_user).get(url).content.decode()
    assert "登记新的分工" not in _session(cat.town_user).get(url).content.decode()  # towns read, never write
    assert _session(cat.town_user).post(url, {"main_unit": ""}).status_code == 404
    body = _session(cat.reform).get(url).content.decode()
    assert "登记新的分工" in body
    with django_capture_on_commit_callbacks(execute=True):
        r = _session(cat.reform).post(url, {"main_unit": cat.units["321002106000-综合执法局"].pk,
                                             "cooperating_units": [cat.units["321002-cgj"].pk],
                                             "valid_from": timezone.localdate().isoformat(), "note": "明确分工"})
    assert r.status_code == 302
    page = _session(cat.town_user).get(url).content.decode()
    assert "今日主体责任：<b>综合执法局" in page and "321002城市管理局" in page
