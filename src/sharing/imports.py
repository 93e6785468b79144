"""12345 work-order import (数据汇聚): CSV, Excel or JSON, a saved column mapping per source, a dry
run that lists every refused row and writes nothing, then the import.

- Columns are found by the source's `mapping` (our field → its header; `DEFAULT_MAPPING` is the
  12345 export's). Excel goes through `core.reports.xlsx_read.read_table` (zip-bomb guard, header
  found in the first rows, footnotes skipped); CSV is UTF-8 (with or without BOM) or GB18030;
  JSON is a list of objects keyed by our field names or by the mapped headers.
- Line numbers are the file's: the spreadsheet row, the CSV line (header = line 1), the JSON
  list position (1-based).
- A row is refused for: no order number, an order number repeated in the file, no description,
  an unknown class (old two-level codes go through the source's `class_map`, then the catalog's
  `old_codes` / 99 其他 mapping), a time or coordinates that do not parse. The dry run checks
  every row and writes nothing but the run's own record.
- The import sends each accepted row through `events.services.event_report` (channel
  `hotline`, `client_id` = the order number, `reported_at` = the order's time), one transaction
  per row: a row that commits is never lost, a row the intake refuses is reported with its line,
  and importing the same file again — or an export that overlaps — creates nothing new (the
  order number is the intake's idempotency key).
- Progress: the run's `done` is written every `PROGRESS_EVERY` rows, readable while it runs.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from core import audit
from core.errors import PlatformError
from core.reports import xlsx_read
from events.choices import Channel
from events.services import event_class_for, event_report
from sharing.choices import ImportStatus
from sharing.models import ApiKey, ImportRun, ImportSource

DEFAULT_MAPPING: dict[str, str] = {
    "order_no": "工单编号",
    "description": "诉求内容",
    "category": "问题分类编码",
    "address": "事发地址",
    "reporter_name": "来电人",
    "reporter_phone": "联系电话",
    "reported_at": "受理时间",
    "lat": "纬度",
    "lng": "经度",
}
FIELDS = tuple(DEFAULT_MAPPING)
MAX_ROWS = 50_000
PROGRESS_EVERY = 100
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d")


@dataclass
class Order:
    line: int
    values: dict[str, str]


def mapping_of(source: ImportSource | None) -> dict[str, str]:
    mapping = dict(DEFAULT_MAPPING)
    if source is not None:
        mapping.update({k: v for k, v in (source.mapping or {}).items() if k in FIELDS and v})
    return mapping


def read_orders(data: bytes, filename: str, mapping: dict[str, str]) -> list[Order]:
    """The rows of an uploaded file with their line numbers (see the module docstring)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = xlsx_read.read_table(data, required=[mapping["order_no"], mapping["description"]],
                                     max_rows=MAX_ROWS)
        return [Order(n, {f: table.get(cells, h).strip() for f, h in mapping.items()}) for n, cells in table.rows]
    if name.endswith(".json"):
        try:
            items = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise PlatformError("JSON 文件无法解析", code="bad_file", fields={"file": [str(exc)[:100]]}) from exc
        if not isinstance(items, list):
            raise PlatformError("JSON 文件须为工单对象的列表", code="bad_file", fields={"file": ["须为列表"]})
        return orders_from_objects(items, mapping)
    if name.endswith((".csv", ".txt")):
        return _csv_orders(data, mapping)
    raise PlatformError("只接受 .xlsx、.csv 或 .json 文件", code="bad_file", fields={"file": ["文件类型不支持"]})


def orders_from_objects(items: Iterable[Any], mapping: dict[str, str]) -> list[Order]:
    out: list[Order] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            out.append(Order(i, {}))
            continue
        out.append(Order(i, {f: str(item.get(f, item.get(h, "")) or "").strip() for f, h in mapping.items()}))
        if len(out) > MAX_ROWS:
            raise PlatformError(f"行数过多（上限 {MAX_ROWS} 行）", code="too_many_rows", fields={"file": ["行数过多"]})
    return out


def _csv_orders(data: bytes, mapping: dict[str, str]) -> list[Order]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise PlatformError("CSV 文件编码无法识别（请用 UTF-8 或 GB18030）", code="bad_file", fields={"file": ["编码"]})
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise PlatformError("CSV 文件是空的", code="bad_file", fields={"file": ["空文件"]}) from None
    columns = {h: i for i, h in enumerate(header)}
    missing = [mapping[f] for f in ("order_no", "description") if mapping[f] not in columns]
    if missing:
        raise PlatformError("找不到表头：" + "、".join(missing), code="bad_header", fields={"file": ["找不到表头"]})
    out: list[Order] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        values = {f: (cells[columns[h]].strip() if h in columns and columns[h] < len(cells) else "")
                  for f, h in mapping.items()}
        out.append(Order(reader.line_num, values))
        if len(out) > MAX_ROWS:
            raise PlatformError(f"行数过多（上限 {MAX_ROWS} 行）", code="too_many_rows", fields={"file": ["行数过多"]})
    return out


def _time(text: str) -> dt.datetime | None:
    if not text:
        return None
    for fmt in TIME_FORMATS:
        try:
            return timezone.make_aware(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    found = dt.datetime.fromisoformat(text) if "T" in text else None
    if found is None:
        raise ValueError(text)
    return found if found.tzinfo else timezone.make_aware(found)


def check_order(order: Order, class_map: dict[str, str], seen: set[str]) -> tuple[str, dict[str, Any]]:
    """('', arguments for event_report) for a good row, or (reason, {}) for a refused one."""
    v = order.values
    number = v.get("order_no", "")
    if not number:
        return "缺少工单编号", {}
    if len(number) > 60:
        return "工单编号过长（最多 60 字）", {}
    if number in seen:
        return f"工单编号 {number} 在文件中重复", {}
    seen.add(number)
    if not v.get("description"):
        return "缺少诉求内容", {}
    category = v.get("category", "")
    category = class_map.get(category, category)
    try:
        event_class_for(category or None)
    except PlatformError:
        return f"问题分类 {v.get('category')} 无法对应到事件类别", {}
    try:
        reported_at = _time(v.get("reported_at", ""))
    except ValueError:
        return f"受理时间 {v.get('reported_at')} 无法识别（如 2026-11-30 08:30）", {}
    if reported_at and reported_at > timezone.now() + dt.timedelta(minutes=5):
        return "受理时间晚于当前时间", {}
    lat, lng = v.get("lat", ""), v.get("lng", "")
    if bool(lat) != bool(lng):
        return "经纬度须同时提供", {}
    try:
        point = (float(lat), float(lng)) if lat else None
    except ValueError:
        return "经纬度不是数字", {}
    return "", {"client_id": number, "description": v["description"], "category": category or None,
                "category_text": "" if category else "12345 工单（未分类）", "address": v.get("address", ""),
                "reporter_name": v.get("reporter_name", "")[:50], "reporter_phone": v.get("reporter_phone", "")[:30],
                "reported_at": reported_at, "lat": point[0] if point else None, "lng": point[1] if point else None,
                "source_ref": f"12345:{number}"}


def workorders_import(*, user: Any, orders: list[Order], filename: str = "", dry_run: bool,
                      source: ImportSource | None = None, key: ApiKey | None = None,
                      division_id: str | None = None) -> ImportRun:
    """Check (dry run) or import `orders` as `user` (a key's service account or a signed-in user).
    Answers the run: counts and `refused` = [{line, order_no, reason}]."""
    division = division_id or getattr(user, "division_id", None)
    if not division:
        raise PlatformError("无法确定导入的区划", code="no_division")
    with audit.acting_as(user, source="api"):
        run = ImportRun.objects.create(division_id=division, source=source, key=key, filename=filename[:200],
                                       dry_run=dry_run, total=len(orders))
    class_map = dict(source.class_map or {}) if source else {}
    seen: set[str] = set()
    refused: list[dict[str, Any]] = []
    created = existing = 0
    for i, order in enumerate(orders, start=1):
        reason, args = check_order(order, class_map, seen)
        if not reason and not dry_run:
            try:
                result = event_report(user=user, channel=Channel.HOTLINE, **args)
                created += int(result.created)
                existing += int(not result.created)
            except PlatformError as exc:
                reason = exc.message
        if reason:
            refused.append({"line": order.line, "order_no": order.values.get("order_no", ""), "reason": reason})
        if i % PROGRESS_EVERY == 0:
            ImportRun.objects.filter(pk=run.pk).update(done=i)
    run.done, run.created, run.existing, run.refused = len(orders), created, existing, refused
    run.status = ImportStatus.CHECKED if dry_run else ImportStatus.DONE
    run.finished_at = timezone.now()
    with audit.acting_as(user, source="api"):
        run.save()
    return run
