"""12345 work-order import: dry run lists refused rows by line and writes nothing; the corrected
file imports; importing it again adds nothing; xlsx, CSV (UTF-8 and GB18030) and JSON rows."""
from __future__ import annotations

import io
from typing import Any

import pytest

from core.reports import xlsx
from events.models import Event
from events.tests import factory
from sharing.models import ImportRun, ImportSource
from sharing.tests import fixtures

pytestmark = pytest.mark.django_db
HEADER = ["工单编号", "诉求内容", "问题分类编码", "事发地址", "来电人", "联系电话", "受理时间"]
GOOD = [
    ["GD2026113000001", "东关街道琼花观社区门口垃圾堆积", "06010", "扬州市广陵区东关街道", "王女士", "13900000001",
     "2026-11-30 08:31"],
    ["GD2026113000002", "湾头镇路边有人占道经营", "0501", "湾头镇", "李先生", "13900000002", "2026-11-30 08:40"],
    ["GD2026113000003", "绿地里乱扔垃圾", "06017", "东关街道", "", "", "2026/11/30 09:05"],
]
BAD = ["GD2026113000004", "路灯不亮", "9999", "东关街道", "", "", "2026-11-30 09:10"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client: Any, data: bytes, name: str, **extra: Any) -> Any:
    f = io.BytesIO(data)
    f.name = name
    return client.post("/api/sharing/v1/workorders/", {"file": f, **extra}, format="multipart")


@pytest.fixture
def hotline() -> tuple[Any, Any]:
    ew = factory.build()
    issued = fixtures.key(ew, "321002000000", ["workorders:import"])
    return ew, fixtures.client_for(issued.text)


def test_dry_run_refuses_the_bad_row_then_the_corrected_file_imports_once(hotline: tuple[Any, Any]) -> None:
    ew, client = hotline
    bad_file = csv_bytes([*GOOD[:2], BAD, GOOD[2]])
    r = upload(client, bad_file, "12345-20261130.csv", dry_run="true")
    assert r.status_code == 200, r.content
    run = r.json()
    assert run["status"] == "checked" and run["total"] == 4
    assert run["refused"] == [{"line": 4, "order_no": "GD2026113000004", "reason": "问题分类 9999 无法对应到事件类别"}]
    assert not Event.objects.exists()
    # the corrected file imports, every order as a hotline event keyed by its number
    corrected = csv_bytes([*GOOD[:2], [*BAD[:2], "06010", *BAD[3:]], GOOD[2]])
    r = upload(client, corrected, "12345-20261130.csv")
    assert r.json()["created"] == 4 and r.json()["refused"] == []
    events = Event.objects.order_by("client_id")
    assert [e.client_id for e in events] == [row[0] for row in GOOD[:2]] + ["GD2026113000003", "GD2026113000004"]
    assert all(e.channel == "hotline" for e in events)
    second = events.get(client_id="GD2026113000002")
    assert second.event_class.code == "09001"                  # old 0501 (街面秩序) → its GB/T 47678.5 class
    assert second.division_id.startswith("321002106")                                       # 湾头镇 by the address
    assert events.get(client_id="GD2026113000001").reporter_name == "王女士"
    # again, and an overlapping export: nothing new
    assert upload(client, corrected, "12345-20261130.csv").json()["existing"] == 4
    overlap = csv_bytes([GOOD[2], ["GD2026113000005", "新工单", "06010", "东关街道", "", "", "2026-11-30 10:00"]])
    r = upload(client, overlap, "12345-20261130-2.csv").json()
    assert (r["created"], r["existing"]) == (1, 1)
    assert Event.objects.count() == 5


def test_xlsx_gb18030_csv_and_json_rows(hotline: tuple[Any, Any]) -> None:
    ew, client = hotline
    book = xlsx.workbook([xlsx.Sheet(name="工单", header=HEADER, rows=[GOOD[0], [*BAD[:2], "", *BAD[3:]]])],
                         title="12345 工单", area="扬州市")
    r = upload(client, book, "orders.xlsx").json()
    assert r["created"] == 2 and r["refused"] == []
    assert Event.objects.get(client_id=BAD[0]).event_class is None                 # no class: 待分类
    r = upload(client, csv_bytes([GOOD[1]], "gb18030"), "orders.csv").json()
    assert r["created"] == 1
    rows = [{"order_no": GOOD[2][0], "description": GOOD[2][1], "category": "06017"},
            {"工单编号": "J-2", "诉求内容": "占道", "受理时间": "昨天"}, {"order_no": "", "description": "x"},
            {"order_no": "J-3", "description": "x", "lat": "32.4"}]
    r = client.post("/api/sharing/v1/workorders/", {"rows": rows}, format="json").json()
    assert r["created"] == 1
    assert [(x["line"], x["reason"][:6]) for x in r["refused"]] == [(2, "受理时间 昨"), (3, "缺少工单编号"),
                                                                   (4, "经纬度须同时")]


def test_saved_mapping_and_class_map_of_a_source(hotline: tuple[Any, Any]) -> None:
    ew, client = hotline
    source = ImportSource.objects.create(name="区数字城管", division_id="321002000000",
                                         mapping={"order_no": "案卷号", "description": "问题描述", "category": "小类"},
                                         class_map={"XX01": "06010"})
    data = "案卷号,问题描述,小类,事发地址\nAJ-1,垃圾满溢,XX01,东关街道\n".encode()
    r = upload(client, data, "szcg.csv", source_id=str(source.pk)).json()
    assert r["created"] == 1 and Event.objects.get(client_id="AJ-1").event_class.code == "06010"
    run = ImportRun.objects.get(pk=r["id"])
    assert run.source == source and run.key is not None
    assert client.get(f"/api/sharing/v1/workorders/{run.pk}/").json()["done"] == 1


def test_bad_files_are_400_with_a_message(hotline: tuple[Any, Any]) -> None:
    ew, client = hotline
    for data, name in ((b"\x00\x01", "x.xls"), (b"a,b\n1,2\n", "x.csv"), (b"{", "x.json"), (b"PK\x03\x04", "x.xlsx")):
        r = upload(client, data, name)
        assert r.status_code == 400 and r.json()["error"]["message"], (name, r.content)
    assert not Event.objects.exists() and not ImportRun.objects.exists()


def test_a_command_centre_imports_as_itself_and_others_may_not() -> None:
    from rest_framework.test import APIClient

    ew = factory.build()
    api = APIClient()
    api.force_authenticate(ew.users["county_centre"])
    f = io.BytesIO(csv_bytes([GOOD[0]]))
    f.name = "12345.csv"
    r = api.post("/api/sharing/imports/", {"file": f}, format="multipart")
    assert r.status_code == 200 and r.json()["created"] == 1, r.content
    event = Event.objects.get(client_id=GOOD[0][0])
    assert event.reporter == ew.users["county_centre"] and event.channel == "hotline"
    worker = APIClient()
    worker.force_authenticate(ew.users["worker"])
    f.seek(0)
    assert worker.post("/api/sharing/imports/", {"file": f}, format="multipart").status_code == 403
    assert [run["id"] for run in api.get("/api/sharing/imports/").json()["results"]] == [r.json()["id"]]
