"""Excel export and import of a list (清单), in one documented column layout.

Export (sheet "清单", written by `core.reports.xlsx`): row 1 the title row (list, area, export
time), row 2 the headers, data from row 3:

    A 序号 | B 事项编码 | C 事项名称 | D 事项类型 | E 实施依据 | F 县级主管部门 | G 来源 | H 备注

Import (`core.reports.xlsx_read`) finds the sheet and the header row by the headers 事项编码 and
事项名称 (any sheet, hidden ones last, header within the first 10 rows, line breaks in a header
ignored), then reads 事项编码 (required), 事项名称 (checked against the code after NFKC
normalisation, so 乡(镇) matches 乡（镇）) and 备注 (the reason for an item that is added) by
header. Footnote rows (注：…) are skipped and reported. Every row is validated; one bad row
refuses the whole file with its row number.
"""
from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from catalog.choices import LIST_KIND_OF_ITEM, ItemKind
from catalog.models import Item, ItemList
from catalog.selectors import ListState
from core.errors import PlatformError
from core.reports import xlsx
from core.reports.xlsx_read import read_table
from core.text import normalize_text

HEADERS = ["序号", "事项编码", "事项名称", "事项类型", "实施依据", "县级主管部门", "来源", "备注"]
REQUIRED = ["事项编码", "事项名称"]
FIRST_DATA_ROW = 3
MAX_ROWS = 5000
ORIGIN_LABELS = {"county": "县级统一清单", "town": "乡镇增加"}
WIDTHS = (6, 14, 48, 16, 60, 20, 14, 30)


@lru_cache(maxsize=1)
def department_names() -> dict[str, str]:
    import org

    path = Path(org.__file__).resolve().parent / "data" / "county_departments.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


def _export_rows(state: ListState) -> list[list[object]]:
    names = department_names()
    rows: list[list[object]] = []
    for n, entry in enumerate(state.entries, 1):
        item = entry.item
        rows.append([n, item.code, item.name, item.get_kind_display(), item.legal_basis,
                     names.get(item.department_code, item.department_code), ORIGIN_LABELS.get(entry.origin, ""),
                     entry.reason + ("（合成数据）" if item.is_synthetic else "")])
    return rows


def export_sheets(state: ListState) -> tuple[list[xlsx.Sheet], str, str]:
    """The sheet, the title and the area of a list's export (for `core.reports.xlsx`)."""
    title = f"{state.item_list}（{state.as_of.isoformat()} 施行）"
    sheet = xlsx.Sheet(name="清单", header=HEADERS, rows=_export_rows(state), widths=WIDTHS)
    return [sheet], title, state.item_list.division.name


def export_list(state: ListState) -> bytes:
    """The list as .xlsx bytes."""
    sheets, title, area = export_sheets(state)
    return xlsx.workbook(sheets, title=title, area=area)


def export_response(state: ListState) -> Any:
    """The list as a download (the authenticated and the public, login-free export)."""
    sheets, title, area = export_sheets(state)
    return xlsx.response(filename(state.item_list, state.as_of), sheets, title=title, area=area)


def read_list(item_list: ItemList, data: bytes) -> list[dict[str, Any]]:
    """Parse and validate an uploaded list; refuse the whole file if any row is bad.

    Returns `[{row, code, note}]`; footnote rows skipped are reported by `read_list_report`.
    """
    return read_list_report(item_list, data)[0]


def read_list_report(item_list: ItemList, data: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    """`read_list` plus the skipped footnote rows (`第 35 行：说明行已跳过（注：…）`)."""
    table = read_table(data, required=REQUIRED, max_rows=MAX_ROWS)
    parsed = [(n, normalize_text(table.get(cells, "事项编码")), normalize_text(table.get(cells, "事项名称")),
               table.get(cells, "备注")) for n, cells in table.rows]
    items = {i.code: i for i in Item.objects.filter(code__in=[code for _, code, _, _ in parsed if code])}
    errors: list[str] = []
    seen: dict[str, int] = {}
    out = []
    for n, code, name, note in parsed:
        item = items.get(code)
        if not code:
            errors.append(f"第 {n} 行：事项编码为空")
        elif item is None:
            errors.append(f"第 {n} 行：事项编码 {code} 不在指导目录中")
        elif code in seen:
            errors.append(f"第 {n} 行：事项 {code} 与第 {seen[code]} 行重复")
        elif name and name != normalize_text(item.name):
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
    return out, table.notes_report()


def filename(item_list: ItemList, as_of: dt.date) -> str:
    return f"{item_list.division_id}-{item_list.kind}-{as_of.isoformat()}.xlsx"
