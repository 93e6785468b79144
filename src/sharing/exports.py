"""Bulk export of events for a key (or a user): CSV, Excel or GeoJSON, streamed, memory flat.

Rows come from the database in chunks (`QuerySet.iterator(chunk_size=…)` over `values_list`, so
no model instances and no result cache); CSV and GeoJSON are a `StreamingHttpResponse` written as
the rows arrive; Excel goes through `core.reports.xlsx` (openpyxl write-only, spooled to a
temporary file), continues on further sheets past a sheet's 1,048,576 rows, and puts the
timelines (steps) on their own sheet. Cells that begin with `=`, `+`, `-`, `@`, tab or CR are
neutralised: Excel cells by the writer (`quotePrefix`), CSV cells with a leading apostrophe
(OWASP CSV injection). Reporter names and phones are never exported to another system.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from core.reports import xlsx
from events.lifecycle import State
from events.models import Event, Step

CHUNK = 2000
SHEET_ROWS = 1_048_576 - 2   # rows 1–2 are the title and the header
STATE_LABELS = {s.value: str(s.label) for s in State}

HEADER = ["事件ID", "事件编号", "类别编码", "类别名称", "状态", "区划代码", "区划名称", "地址", "纬度", "经度",
          "承办单位", "层级", "来源渠道", "来源单号", "上报时间", "办结时限", "结案时间"]
FIELDS = ["pk", "code", "event_class__code", "event_class__name", "state", "division_id", "division__name",
          "address", "lat", "lng", "unit__name", "level", "channel", "client_id", "reported_at", "due_at", "closed_at"]
STEP_HEADER = ["事件ID", "序号", "动作", "结果", "原状态", "新状态", "时间", "操作人", "说明"]
STEP_FIELDS = ["event_id", "seq", "action", "outcome", "from_state", "to_state", "at", "actor_name", "note"]


def _rows(qs: Any) -> Iterator[list[Any]]:
    for row in qs.order_by("pk").values_list(*FIELDS).iterator(chunk_size=CHUNK):
        out = list(row)
        out[4] = STATE_LABELS.get(out[4], out[4])
        yield out


def _step_rows(qs: Any) -> Iterator[list[Any]]:
    steps = Step.objects.filter(event__in=qs.values("pk")).order_by("event_id", "seq").values_list(*STEP_FIELDS)
    for row in steps.iterator(chunk_size=CHUNK):
        out = list(row)
        for i in (4, 5):
            out[i] = STATE_LABELS.get(out[i], out[i])
        yield out


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and xlsx.needs_neutralising(value):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _counting(rows: Iterable[list[Any]], done: Callable[[int], None]) -> Iterator[list[Any]]:
    n = 0
    try:
        for row in rows:
            n += 1
            yield row
    finally:
        done(n)


def csv_response(qs: Any, filename: str, done: Callable[[int], None] = lambda n: None) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(HEADER)  # BOM: Excel and WPS open UTF-8 CSV correctly
        for row in _counting(_rows(qs), done):
            yield writer.writerow([_csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def geojson_response(qs: Any, filename: str, done: Callable[[int], None] = lambda n: None) -> StreamingHttpResponse:
    """A FeatureCollection (RFC 7946, WGS84); events without a position have a null geometry."""
    keys = ["id", "code", "category", "category_name", "state", "division", "division_name", "address", "lat", "lng",
            "unit", "level", "channel", "client_id", "reported_at", "due_at", "closed_at"]

    def features() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        first = True
        for row in _counting(_rows(qs), done):
            props = {k: (timezone.localtime(v).isoformat(timespec="seconds") if hasattr(v, "isoformat") else v)
                     for k, v in zip(keys, row, strict=True)}
            lat, lng = props.pop("lat"), props.pop("lng")
            geometry = {"type": "Point", "coordinates": [lng, lat]} if lat is not None and lng is not None else None
            yield ("" if first else ",") + json.dumps({"type": "Feature", "geometry": geometry, "properties": props},
                                                      ensure_ascii=False)
            first = False
        yield "]}"

    response = StreamingHttpResponse(features(), content_type="application/geo+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def split_sheets(name: str, header: list[str], rows: Iterable[list[Any]], limit: int | None = None) -> Iterator[
        xlsx.Sheet]:
    """Sheets of at most `limit` rows each (`SHEET_ROWS`), named name, name(2), …; lazily, so the
    writer consumes one sheet's rows before the next sheet is made."""
    limit = limit or SHEET_ROWS
    it = iter(rows)
    n = 1
    while True:
        try:
            first = next(it)
        except StopIteration:
            if n == 1:
                yield xlsx.Sheet(name=name, header=header, rows=[])
            return
        yield xlsx.Sheet(name=name if n == 1 else f"{name}({n})", header=header,
                         rows=chain([first], islice(it, limit - 1)))
        n += 1


def xlsx_response(qs: Any, filename: str, area: str, done: Callable[[int], None] = lambda n: None) -> Any:
    sheets = chain(split_sheets("事件", HEADER, _counting(_rows(qs), done)),
                   split_sheets("处理过程", STEP_HEADER, _step_rows(qs)))
    return xlsx.response(filename, sheets, title="事件导出", area=area, stream=True)


def events_for_export(user: Any, params: Any) -> Any:
    """Events `user` may see, filtered by `state` (comma list), `category`, `reported_from`/`reported_to`
    (dates), `division` (a code inside the scope)."""
    from core.api.fields import parse_day
    from core.errors import PlatformError

    qs = Event.objects.visible_to(user)
    states = [s for s in (params.get("state") or "").split(",") if s]
    if states:
        if any(s not in State.values for s in states):
            raise PlatformError("状态不正确", code="bad_state", fields={"state": ["状态不正确"]})
        qs = qs.filter(state__in=states)
    if params.get("category"):
        qs = qs.filter(event_class__code=params["category"])
    if params.get("division"):
        from core.filters import division_param
        from core.scoping import code_prefix

        qs = qs.filter(division__code__startswith=code_prefix(division_param(params["division"])))
    for name, lookup in (("reported_from", "reported_at__date__gte"), ("reported_to", "reported_at__date__lte")):
        if params.get(name):
            day = parse_day(params[name], name)
            qs = qs.filter(**{lookup: day})
    return qs
