"""Bulk export for a key: CSV, Excel (timelines on their own sheet, further sheets past the row
limit) and GeoJSON, within the key's subtree, formula cells neutralised, streamed."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from events.models import Event
from events.tests import factory
from sharing import exports
from sharing.models import ApiCall
from sharing.tests import fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def ew() -> Any:
    world = factory.build()
    factory.report(world, description="=HYPERLINK(\"http://evil\")")
    factory.report(world, description="普通事件")
    factory.report(world, user=world.users["county_centre"], grid=world.grid_b, channel="hotline",
                   description="湾头镇的事件")
    return world


def body(response: Any) -> bytes:
    if isinstance(response, StreamingHttpResponse) or getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def test_csv_is_streamed_within_the_subtree_and_neutralised(ew: Any) -> None:
    issued = fixtures.key(ew, "321002001000", ["events:export"])          # 东关街道 only
    response = fixtures.client_for(issued.text).get("/api/sharing/v1/export/", {"format": "csv"})
    assert response.status_code == 200 and response.streaming
    text = body(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["事件ID", "事件编号", "类别编码"] and len(rows) == 3
    assert "湾头镇的事件" not in text
    assert ApiCall.objects.get(key=issued.key).rows == 2                  # counted once the stream ended
    # the description is not exported; a formula in the address column would be neutralised
    Event.objects.filter(description__startswith="=").update(address="=1+1")
    text = body(fixtures.client_for(issued.text).get("/api/sharing/v1/export/", {"format": "csv"})).decode("utf-8-sig")
    assert "'=1+1" in text and ",=1+1" not in text


def test_xlsx_has_events_and_timelines_sheets(ew: Any) -> None:
    issued = fixtures.key(ew, "321002000000", ["events:export"])
    Event.objects.update(address="@SUM(A1)")
    response = fixtures.client_for(issued.text).get("/api/sharing/v1/export/", {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(body(response)))
    assert book.sheetnames == ["事件", "处理过程"]
    events = list(book["事件"].iter_rows(min_row=3, values_only=True))
    assert len(events) == 3
    cell = book["事件"].cell(row=3, column=8)
    assert cell.value == "@SUM(A1)" and cell.data_type == "s" and cell.quotePrefix
    steps = list(book["处理过程"].iter_rows(min_row=3, values_only=True))
    assert len(steps) == 3 and {s[2] for s in steps} == {"report"}
    assert ApiCall.objects.get(key=issued.key).rows == 3


def test_xlsx_continues_on_further_sheets_past_the_row_limit(ew: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "SHEET_ROWS", 2)
    issued = fixtures.key(ew, "321002000000", ["events:export"])
    response = fixtures.client_for(issued.text).get("/api/sharing/v1/export/", {"format": "xlsx"})
    book = load_workbook(io.BytesIO(body(response)))
    assert book.sheetnames == ["事件", "事件(2)", "处理过程", "处理过程(2)"]
    ids = [r[0] for name in ("事件", "事件(2)") for r in book[name].iter_rows(min_row=3, values_only=True)]
    assert sorted(ids) == sorted(Event.objects.values_list("pk", flat=True))


def test_geojson_and_filters(ew: Any) -> None:
    issued = fixtures.key(ew, "321002000000", ["events:export"])
    client = fixtures.client_for(issued.text)
    data = json.loads(body(client.get("/api/sharing/v1/export/", {"format": "geojson"})))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "Point" and len(feature["geometry"]["coordinates"]) == 2
    assert "reporter_name" not in feature["properties"]
    town_b = json.loads(body(client.get("/api/sharing/v1/export/", {"format": "geojson", "division": "湾头镇"})))
    assert [f["properties"]["division"][:9] for f in town_b["features"]] == ["321002106"]
    assert client.get("/api/sharing/v1/export/", {"format": "pdf"}).status_code == 400
    assert client.get("/api/sharing/v1/export/", {"reported_from": "昨天"}).status_code == 400
    assert client.get("/api/sharing/v1/export/", {"state": "nonsense"}).status_code == 400
