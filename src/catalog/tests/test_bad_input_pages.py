"""Garbage in the catalog pages: the page comes back (400) with the message beside the field and
every typed value still in the form — never a 500, never a lost submission."""
import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Admission, ChangeEvidence, PowerChange, Responsibility
from catalog.tests.factory import build_catalog, evidence_upload
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _session(user):  # noqa: ANN001, ANN202
    c = Client()
    c.force_login(user)
    return c


def field_block(html: str, name: str) -> str:
    """The rendered block of one form field (label, widget, its errors): core/_field.html."""
    match = re.search(rf'<div class="field[^"]*" data-field="{re.escape(name)}">(.*?)</div>', html, re.DOTALL)
    assert match, f"field {name} not rendered"
    return match.group(1)


def errors_beside(html: str, name: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", field_block(html, name).split('class="errorlist"', 1)[-1]) \
        if 'class="errorlist"' in field_block(html, name) else []


@pytest.fixture
def cat():  # noqa: ANN201
    return build_catalog(build_world())


@pytest.mark.parametrize("value,message", [("yesterday", "请输入有效的日期"), ("2026-02-30", "请输入有效的日期"),
                                           ("0001-01-01", "日期须在"), ("9999-12-31", "日期须在")])
@pytest.mark.parametrize("url", ["/catalog/?as_of={}", "/catalog/matters/?as_of={}", "/catalog/gaps/?as_of={}",
                                 "/catalog/lists/{list}/?as_of={}", "/public/lists/321002106000/?as_of={}"])
def test_bad_dates_in_filters(cat, url: str, value: str, message: str) -> None:  # noqa: ANN001
    client = Client() if url.startswith("/public/") else _session(cat.reform)
    response = client.get(url.replace("{list}", str(cat.lists["b-enforcement"].pk)).format(value))
    assert response.status_code == 400
    html = response.content.decode()
    assert any(message in e for e in errors_beside(html, "as_of"))
    assert f'value="{value}"' in field_block(html, "as_of")  # what was typed stays


@pytest.mark.parametrize("url", ["/catalog/items/?kind=nonsense",
                                 "/catalog/admissions/?state=nonsense", "/catalog/changes/?state=x",
                                 "/catalog/changes/?division=abc", "/catalog/?kind=x", "/catalog/?q=%00"])
def test_bad_filters_are_400_with_a_message(cat, url: str) -> None:  # noqa: ANN001
    response = _session(cat.reform).get(url)
    assert response.status_code == 400, url
    assert "errorlist" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-5", "99999"])
def test_junk_page_numbers_show_a_page(cat, page: str) -> None:  # noqa: ANN001
    assert _session(cat.reform).get(f"/catalog/items/?page={page}").status_code == 200


def _admission(cat, **changes) -> dict:  # noqa: ANN001, ANN003
    return {"department": cat.units["321002-cgj"].pk, "title": "垃圾分类督导", "description": "每周一次",
            "legal_basis": "《扬州市生活垃圾分类管理条例》", "staff": "2", "funds": "3.50", "systems": "督导系统",
            "towns": ["321002106000"], "valid_until": "2026-12-31"} | changes


@pytest.mark.parametrize("field,value,message", [
    ("staff", "1.5", "随交人员须为整数"), ("staff", "abc", "随交人员须为整数"), ("staff", "-5", "不能为负数"),
    ("staff", "99999", "不能超过"), ("funds", "abc", "随交经费须为数字"), ("funds", "-1", "不能为负数"),
    ("funds", "1.234", "最多两位小数"), ("funds", "99999999999999", "数额过大"),
    ("valid_until", "0001-01-01", "日期须在"), ("valid_until", "9999-12-31", "日期须在"),
    ("valid_until", "yesterday", "请输入有效的日期"), ("title", "", "请填写此项"), ("legal_basis", "", "请填写此项"),
    ("department", "abc", "单位不存在或不可选"), ("towns", ["999999999999"], "不存在或不在您的管辖范围内"),
])
def test_admission_form_keeps_values_and_shows_the_message_beside_the_field(cat, field, value, message) -> None:  # noqa: ANN001
    response = _session(cat.dept).post("/catalog/admissions/", _admission(cat, **{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert any(message in e for e in errors_beside(html, field)), (field, errors_beside(html, field))
    if field != "title":
        assert 'value="垃圾分类督导"' in field_block(html, "title")
    if field != "systems":
        assert 'value="督导系统"' in field_block(html, "systems")
    assert "每周一次" in field_block(html, "description")
    assert not Admission.objects.exists()


def test_admission_missing_everything(cat) -> None:  # noqa: ANN001
    response = _session(cat.dept).post("/catalog/admissions/", {})
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("department", "title", "legal_basis"):
        assert errors_beside(html, field), field


def _return(cat, **changes) -> dict:  # noqa: ANN001, ANN003
    today = timezone.localdate()
    return {"kind": "return", "division": "321002106000", "item": "CG-CF-001", "reason": "执法人员仅 3 人",
            "effective_date": (today + dt.timedelta(days=7)).isoformat(), "reason_category": "staff",
            "evidence": "花名册与办件统计", "legal_reviewer": "湾头司法所", "legal_opinion": "程序合法",
            "legal_review_date": today.isoformat(), "handover_plan": "在办案件生效前移交",
            "evidence_files": evidence_upload()} | changes


@pytest.mark.parametrize("field,value,message", [
    ("handover_plan", "", "请填写在办事项移交方案"), ("legal_reviewer", "", "请填写合法性审查人"),
    ("reason_category", "", "请填写退还原因类别"), ("legal_review_date", "", "请填写合法性审查日期"),
    ("evidence_files", "", "请上传佐证材料文件"), ("effective_date", "yesterday", "请输入有效的日期"),
    ("effective_date", "9999-12-31", "日期须在"), ("item", "NO-SUCH-ITEM", "事项不存在"),
    ("division", "321003001000", "不在您的管辖范围内"), ("kind", "delegation", "您不能申报该程序"),
    ("reason_category", "bored", "请从列表中选择退还原因类别"),
])
def test_return_form_refused_keeps_every_other_value(cat, field, value, message) -> None:  # noqa: ANN001
    response = _session(cat.town_user).post("/catalog/changes/", _return(cat, **{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert any(message in e for e in errors_beside(html, field)), (field, errors_beside(html, field))
    kept = {"reason": "执法人员仅 3 人", "evidence": "花名册与办件统计", "legal_opinion": "程序合法",
            "handover_plan": "在办案件生效前移交", "legal_reviewer": "湾头司法所"}
    for name, typed in kept.items():
        if name != field:
            assert typed in field_block(html, name), name
    if field != "item":
        assert re.search(r'<option value="CG-CF-001" selected>', field_block(html, "item"))
    assert not PowerChange.objects.exists() and not ChangeEvidence.objects.exists()


def test_review_and_opinion_have_nothing_preselected_and_refuse_garbage(cat) -> None:  # noqa: ANN001
    response = _session(cat.town_user).post("/catalog/changes/", _return(cat))
    change = PowerChange.objects.get()
    assert response.status_code == 302
    page = _session(cat.dept).get(f"/catalog/changes/{change.pk}/").content.decode()
    assert "selected" not in field_block(page, "agree").replace('value="" selected', "")
    r = _session(cat.dept).post(f"/catalog/changes/{change.pk}/", {"action": "opinion", "agree": "maybe",
                                                                   "opinion": "看看"})
    assert r.status_code == 400 and errors_beside(r.content.decode(), "agree")
    assert "看看" in field_block(r.content.decode(), "opinion")
    r = _session(cat.dept).post(f"/catalog/changes/{change.pk}/", {"action": "opinion", "agree": "agree"})
    assert r.status_code == 400 and errors_beside(r.content.decode(), "opinion")
    r = _session(cat.dept).post(f"/catalog/changes/{change.pk}/", {"action": "dance"})
    assert r.status_code == 302
    change.refresh_from_db()
    assert change.state == "submitted"
    _session(cat.dept).post(f"/catalog/changes/{change.pk}/", {"action": "opinion", "agree": "agree",
                                                               "opinion": "同意"})
    page = _session(cat.reform).get(f"/catalog/changes/{change.pk}/").content.decode()
    assert "selected" not in field_block(page, "decision").replace('value="" selected', "")
    assert 'data-confirm="' in page  # decide asks before it is sent
    r = _session(cat.reform).post(f"/catalog/changes/{change.pk}/", {"action": "decide", "decision": "",
                                                                     "reason": "同意退还"})
    assert r.status_code == 400 and errors_beside(r.content.decode(), "decision")
    change.refresh_from_db()
    assert change.state == "dept_reviewed"


def test_responsibility_form_garbage(cat) -> None:  # noqa: ANN001
    url = "/catalog/matters/M2/321002106000/"
    count = Responsibility.objects.count()
    for data, field in (({"main_unit": "abc"}, "main_unit"), ({"cooperating_units": ["abc"]}, "cooperating_units"),
                        ({"valid_from": "9999-12-31"}, "valid_from"), ({"valid_from": "yesterday"}, "valid_from"),
                        ({"main_unit": cat.units["321002-zrzy"].pk, "cooperating_units": [cat.units["321002-zrzy"].pk]},
                         "cooperating_units")):
        r = _session(cat.reform).post(url, data | {"note": "备注保留"})
        assert r.status_code == 400, data
        html = r.content.decode()
        assert errors_beside(html, field), (data, field)
        assert 'value="备注保留"' in field_block(html, "note")
    assert Responsibility.objects.count() == count


def test_admission_actions_refuse_garbage(cat) -> None:  # noqa: ANN001
    r = _session(cat.dept).post("/catalog/admissions/", _admission(cat))
    admission = Admission.objects.get()
    assert r.status_code == 302
    page = _session(cat.reform).get(f"/catalog/admissions/{admission.pk}/").content.decode()
    assert 'data-confirm="' in page and "selected" not in field_block(page, "decision").replace(
        'value="" selected', "")
    r = _session(cat.reform).post(f"/catalog/admissions/{admission.pk}/", {"action": "review", "decision": "maybe",
                                                                           "reason": "理由保留"})
    assert r.status_code == 400 and errors_beside(r.content.decode(), "decision")
    assert "理由保留" in field_block(r.content.decode(), "reason")
    r = _session(cat.dept).post(f"/catalog/admissions/{admission.pk}/", {"action": "withdraw"})
    assert r.status_code == 400 and "请填写此项" in errors_beside(r.content.decode(), "reason")
    admission.refresh_from_db()
    assert admission.state == "submitted"


def test_change_list_finds_an_item_by_name_or_code(cat) -> None:  # noqa: ANN001
    assert _session(cat.town_user).post("/catalog/changes/", _return(cat)).status_code == 302
    change = PowerChange.objects.get()
    link = f'href="/catalog/changes/{change.pk}/"'
    for query, found in (("堆放物料", True), ("CG-CF-001", True), ("cg-cf-001", True), ("树木花草", False)):
        page = _session(cat.town_user).get("/catalog/changes/", {"item": query}).content.decode()
        assert (link in page) is found, query
