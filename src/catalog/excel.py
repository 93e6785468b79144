"""Excel export and import of a list (清单), in one documented column layout.

Layout (sheet "清单"): row 1 is the title, row 2 the headers, data from row 3:

    A 序号 | B 事项编码 | C 事项名称 | D 事项类型 | E 实施依据 | F 县级主管部门 | G 来源 | H 备注

Import reads columns B (required), C (checked against the code) and H (the reason for an item
that is added). Every row is validated; one bad row refuses the whole file with its row number.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from catalog.choices import LIST_KIND_OF_ITEM, ItemKind
from catalog.models import Item, ItemList
from catalog.selectors import ListState
from core.errors import PlatformError

HEADERS = ["序号", "事项编码", "事项名称", "事项类型", "实施依据", "县级主管部门", "来源", "备注"]
FIRST_DATA_ROW = 3
MAX_ROWS = 5000
ORIGIN_LABELS = {"county": "县级统一清单", "town": "乡镇增加"}


@lru_cache(maxsize=1)
def department_names() -> dict[str, str]:
    import org

    path = Path(org.__file__).resolve().parent / "data" / "county_departments.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


def export_list(state: ListState) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "清单"
    title = f"{state.item_list}（{state.as_of.isoformat()} 施行）"
    ws.append([title])
    ws.append(HEADERS)
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    names = department_names()
    for n, entry in enumerate(state.entries, 1):
        item = entry.item
        ws.append([n, item.code, item.name, item.get_kind_display(), item.legal_basis,
                   names.get(item.department_code, item.department_code), ORIGIN_LABELS.get(entry.origin, ""),
                   entry.reason + ("（合成数据）" if item.is_synthetic else "")])
    for col, width in zip("ABCDEFGH", (6, 14, 48, 16, 60, 20, 14, 30)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_list(item_list: ItemList, data: bytes) -> list[dict[str, Any]]:
    """Parse and validate an uploaded list; refuse the whole file if any row is bad."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable upload is the user's error, not ours
        raise PlatformError("无法读取文件：请上传按导出格式填写的 .xlsx 文件", code="bad_file",
                            fields={"file": [str(exc)[:200]]}) from exc
    ws = wb["清单"] if "清单" in wb.sheetnames else wb.worksheets[0]
    rows = list(ws.iter_rows(min_row=1, values_only=True))
    header = [_text(v) for v in (rows[1] if len(rows) > 1 else ())]
    if header[:3] != HEADERS[:3]:
        raise PlatformError("表头不符：第 2 行应为 " + "、".join(HEADERS), code="bad_header",
                            fields={"file": ["第 2 行表头不符"]})
    data_rows = rows[FIRST_DATA_ROW - 1:]
    if len(data_rows) > MAX_ROWS:
        raise PlatformError(f"行数过多（上限 {MAX_ROWS} 行）", code="too_many_rows")
    parsed = [(FIRST_DATA_ROW + i, [_text(v) for v in row] + [""] * 8) for i, row in enumerate(data_rows)]
    parsed = [(n, cells) for n, cells in parsed if any(cells[:8])]
    items = {i.code: i for i in Item.objects.filter(code__in=[cells[1] for _, cells in parsed])}
    errors: list[str] = []
    seen: dict[str, int] = {}
    out = []
    for n, cells in parsed:
        code, name, note = cells[1], cells[2], cells[7]
        item = items.get(code)
        if not code:
            errors.append(f"第 {n} 行：事项编码为空")
        elif item is None:
            errors.append(f"第 {n} 行：事项编码 {code} 不在指导目录中")
        elif code in seen:
            errors.append(f"第 {n} 行：事项 {code} 与第 {seen[code]} 行重复")
        elif name and name != item.name:
            errors.append(f"第 {n} 行：事项名称“{name}”与编码 {code} 的名称“{item.name}”不符")
        elif LIST_KIND_OF_ITEM[ItemKind(item.kind)] != item_list.kind:
            errors.append(f"第 {n} 行：{item.name}（{item.get_kind_display()}）不属于{item_list.get_kind_display()}")
        elif not item.delegable:
            errors.append(f"第 {n} 行：{item.name} 不可赋权乡镇（街道），不能列入清单")
        else:
            seen[code] = n
            out.append({"row": n, "code": code, "note": note.replace("（合成数据）", "")})
    if errors:
        raise PlatformError(f"导入失败，共 {len(errors)} 行有误，未导入任何数据：" + "；".join(errors[:10]),
                            code="import_invalid", fields={"rows": errors})
    return out


def filename(item_list: ItemList, as_of: dt.date) -> str:
    return f"{item_list.division_id}-{item_list.kind}-{as_of.isoformat()}.xlsx"
