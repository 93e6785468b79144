"""The audit page an auditor can read: Chinese names, field-by-field changes in local time,
filters, and an Excel export that holds the same rows."""
import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from core import audit
from core.models import AuditLog
from core.testing.world import build_world
from org.models import Unit

pytestmark = pytest.mark.django_db


def _client(user):  # noqa: ANN001, ANN202
    client = Client()
    client.force_login(user)
    return client


def _unit_change(world):  # noqa: ANN001, ANN202
    with audit.acting_as(world.outsider, source="web"):
        unit = Unit.objects.create(division_id="321002001000", name="审计测试局", kind="bureau")
        unit.name = "审计测试局（更名）"
        unit.save()
    return unit


def test_changes_read_as_chinese_fields_in_local_time() -> None:
    world = build_world()
    _unit_change(world)
    AuditLog.objects.create(action="update", model="org.Unit", object_id="1", object_repr="时间字段",
                            division_code="321002001000", before={"name": "a", "created_at": "2026-12-02T04:00:00+00:00"},
                            after={"name": "a", "created_at": "2026-12-02T05:30:00+00:00"})
    html = _client(world.outsider).get("/audit/").content.decode()
    table = html[html.index("<tbody>"):]
    assert "<td>机构</td>" in table and "org.Unit" not in table  # the model's Chinese name, not its label
    assert "修改" in html and "页面" in html
    assert "审计测试局（更名）" in html and "名称" in html
    assert "2026年12月2日 12:00" in html and "2026年12月2日 13:30" in html  # Asia/Shanghai
    assert "{&#x27;" not in html and "{'name'" not in html  # no raw dicts


def test_filters_by_action_type_operator_text_and_dates() -> None:
    world = build_world()
    _unit_change(world)
    client = _client(world.outsider)
    assert "审计测试局" in client.get("/audit/", {"action": "create", "model": "org.Unit"}).content.decode()
    assert "审计测试局" not in client.get("/audit/", {"action": "delete"}).content.decode()
    assert "审计测试局" in client.get("/audit/", {"q": "审计测试"}).content.decode()
    assert "审计测试局" not in client.get("/audit/", {"actor": "nobody-else"}).content.decode()
    today = dt.date.today()
    assert "审计测试局" in client.get("/audit/", {"start": (today - dt.timedelta(days=1)).isoformat(),
                                                 "end": (today + dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "审计测试局" not in client.get("/audit/", {"end": "2020-01-01"}).content.decode()
    refused = client.get("/audit/", {"start": "0001-01-01", "division": "abc"})
    assert refused.status_code == 200 and "日期超出范围" in refused.content.decode()


def test_export_holds_the_filtered_rows_in_local_time() -> None:
    world = build_world()
    _unit_change(world)
    response = _client(world.outsider).get("/audit/", {"q": "审计测试", "export": "xlsx"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    flat = "\n".join(str(v) for row in values for v in row)
    assert "审计测试局（更名）" in flat and "机构" in flat and "名称：审计测试局 → 审计测试局（更名）" in flat
    assert str(ws["A1"].value).startswith("审计日志") and "东关街道" in str(ws["A1"].value)
    moment = ws["A3"].value
    assert isinstance(moment, dt.datetime) and moment.tzinfo is None  # a local time cell, not UTC text
    now_local = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    assert abs((now_local - moment).total_seconds()) < 600
