"""The event class table: the seed, Excel round trip, old codes mapped, refused files, routing gaps."""
from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from core.errors import NotAllowed, PlatformError
from events import classes
from events.models import EventClass
from events.tests import factory

pytestmark = pytest.mark.django_db


def as_(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_seed_has_every_required_group_with_limits_and_matters() -> None:
    ew = factory.build()
    rows = {c.code: c for c in EventClass.objects.all()}
    for code in ("06010", "06011", "06012", "06017", "06036", "06042", "06045", "07003", "09005", "09006"):
        assert code in rows and rows[code].kind == "matter"
    majors = {c.major_name for c in rows.values()}
    assert {"市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件", "矛盾纠纷", "安全隐患", "民生服务", "特殊人群",
            "生态环境", "安全生产", "消防", "食品药品", "劳动保障"} <= majors
    assert {c.kind for c in rows.values()} == {"component", "matter", "extension"}
    assert rows["06010"].limit("handle") == (4.0, "hours") and rows["06017"].limit("handle") == (5.0, "days")
    assert rows["06010"].matter is not None and rows["06010"].matter.code == "ZZ-003"
    assert rows["10003"].severity == "major"
    api = as_(ew.users["worker"])  # read below the city
    found = api.get("/api/event-classes/", {"code": "06010"}).json()
    assert found["count"] == 1 and found["results"][0]["matter"] == "ZZ-003"
    assert found["results"][0]["limits"]["handle"] == {"amount": 4.0, "unit": "hours"}


def test_export_then_import_changes_nothing() -> None:
    ew = factory.build()
    data = as_(ew.users["city_centre"]).get("/api/event-classes/export/").content
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))[1:]  # row 1: the title row of the one writer
    assert list(rows[0]) == classes.HEADERS
    assert rows[[r[0] for r in rows].index("06010")][:2] == ("06010", "暴露垃圾")
    assert rows[[r[0] for r in rows].index("06010")][9] == "4工作时"
    r = as_(ew.users["city_centre"]).post("/api/event-classes/import/", {"file": SimpleUploadedFile("t.xlsx", data)},
                                          format="multipart")
    assert r.status_code == 200, r.content
    assert r.json()["created"] == [] and r.json()["updated"] == []


def _sheet(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(classes.HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_old_two_level_codes_map_to_the_new_classes_on_import() -> None:
    factory.build()
    data = _sheet([
        ["0102", "暴露垃圾", "管理事项", "市容环境", "ZZ-003", "一般", "0.5工作时", "0.5工作时", "0.5工作时", "3工作时",
         "2工作时", "", "是"],                      # listed in 06010's old codes → 06010, limit changed
        ["0598", "占道洗车", "管理事项", "街面秩序", "", "一般", "1h", "1h", "1h", "1d", "4h", "", "是"],  # → 09999
    ])
    result = classes.classes_import(data=data, division_code=factory.CITY)
    assert result.mapped == {"0102": "06010", "0598": "09999"}
    assert EventClass.objects.get(code="06010").limit("handle") == (3.0, "hours")
    assert EventClass.objects.get(code="09999").name == "占道洗车"


def test_a_bad_file_is_refused_whole_with_row_numbers() -> None:
    factory.build()
    before = {c.code: c.name for c in EventClass.objects.all()}
    data = _sheet([
        ["06010", "暴露垃圾改名", "管理事项", "市容环境", "", "一般", "1h", "1h", "1h", "4h", "1h", "", "是"],
        ["6010", "坏编码", "管理事项", "", "", "一般", "1h", "1h", "1h", "4h", "1h", "", ""],
        ["06099", "", "奇怪", "", "NOPE", "很大", "快点", "1h", "1h", "4h", "1h", "", ""],
        ["06010", "重复", "管理事项", "", "", "一般", "1h", "1h", "1h", "4h", "1h", "", ""],
    ])
    with pytest.raises(PlatformError) as refused:
        classes.classes_import(data=data, division_code=factory.CITY)
    problems = refused.value.fields["file"]
    assert any(p.startswith("第3行") and "6010" in p for p in problems)      # an old code with no old major
    assert any(p.startswith("第4行") and "类别名称为空" in p for p in problems)
    assert any(p.startswith("第4行") and "职责事项 NOPE 不存在" in p for p in problems)
    assert any(p.startswith("第4行") and "受理时限" in p for p in problems)
    assert any(p.startswith("第5行") and "与第2行重复" in p for p in problems)
    assert {c.code: c.name for c in EventClass.objects.all()} == before
    with pytest.raises(PlatformError, match="表头"):
        classes.classes_import(data=_bad_header(), division_code=factory.CITY)
    with pytest.raises(PlatformError, match="xlsx"):
        classes.classes_import(data=b"not a workbook", division_code=factory.CITY)


def _bad_header() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编码", "名称"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_only_the_city_edits_the_table() -> None:
    ew = factory.build()
    data = as_(ew.users["city_centre"]).get("/api/event-classes/export/").content
    for name in ("centre_a", "county_centre"):
        r = as_(ew.users[name]).post("/api/event-classes/import/", {"file": SimpleUploadedFile("t.xlsx", data)},
                                     format="multipart")
        assert r.status_code == 403, (name, r.content)
    with pytest.raises(NotAllowed):
        classes.classes_import(data=data, division_code=factory.CITY, user=ew.users["county_centre"])


def test_routing_gaps_are_listed_for_the_reform_office() -> None:
    ew = factory.build()
    reform = ew.cat.reform
    rows = as_(reform).get("/api/event-classes/gaps/", {"division": "湾头镇"}).json()
    by_class = {r["event_class"]: r for r in rows}
    assert "06017" in by_class and by_class["06017"]["reason"].startswith("本镇街对职责事项")  # ZZ-048: no main in B
    assert "06010" not in by_class                                                             # ZZ-003 has a main
    assert by_class["51001"]["reason"] == "类别未对应职责事项"
    assert {r["town"] for r in rows} == {factory.B}
    page = APIClient()
    page.force_login(reform)
    html = page.get("/events/gaps/", {"division": "湾头镇"}).content.decode()
    assert "06017" in html and "湾头镇" in html
