"""Reading uploaded spreadsheets as people save them (Excel, WPS, LibreOffice).

`read_table(data, required=[...])` is the one entry point for every spreadsheet import:

1. **Unpacked-size guard** (`check_archive`): an .xlsx is a zip; before openpyxl opens it, the
   members' declared uncompressed sizes are summed and a file over
   `settings.SPREADSHEET_MAX_UNPACKED_BYTES` (default 32 MB; the platform's own export of a
   5,000-row list of long names is 5.6 MB unpacked) or with more than 10,000 members is refused.
   The declared sizes are a true bound: Python's `zipfile` never inflates a member past its
   declared size (it truncates and fails the CRC check), so a zip bomb cannot exceed them.
2. **Read without trusting the sheet's stored dimension** (WPS writes `<dimension ref="A1"/>` on
   full sheets; a read-only reader believing it sees one cell): `reset_dimensions()` first.
3. **Find the data sheet by its header**, not by its name or position: visible sheets first, then
   hidden ones; the header is the first row within the first `HEADER_SEARCH_ROWS` whose cells,
   compared by `core.text.normalize_key` (NFKC, whitespace and line breaks removed), hold every
   required column. Columns are then found by header, so their order does not matter.
4. **Footnote rows** (a row whose key column is empty and whose first text starts with 注/备注/
   说明/附注/填表说明 and a colon or a number, and every row with an empty key column after it)
   are skipped and reported in `Table.notes`; empty rows are skipped wherever they are (a sheet
   formatted down to row 1,048,576 costs little: the unpacked-size guard bounds the XML, and
   missing rows are generated cheaply), so no data below a gap is ever silently dropped.

Every refusal is a `core.errors.PlatformError` with a Chinese message (a 400 through the API).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import PlatformError
from core.text import normalize_key, normalize_text

DEFAULT_MAX_UNPACKED = 32 * 1024 * 1024
MAX_MEMBERS = 10_000
HEADER_SEARCH_ROWS = 10
NOTE_RE = re.compile(r"^(注释?|备注|说明|附注|填表说明)\s*[\d一二三四五六七八九十]*\s*[:.、：]")


@dataclass
class Table:
    """An uploaded table: the sheet it came from, the 1-based header row, the column index of each
    header (by `normalize_key`), the data rows as `(row number, cells as text)` and the skipped
    note rows as `(row number, text)`."""

    sheet: str
    header_row: int
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)

    def get(self, cells: Sequence[str], header: str) -> str:
        """The cell under `header` in a data row ('' when the column is absent or short)."""
        i = self.columns.get(normalize_key(header))
        return cells[i] if i is not None and i < len(cells) else ""

    def notes_report(self) -> list[str]:
        """`第 35 行：注释行已跳过（注：…）` for each skipped note row."""
        return [f"第 {n} 行：说明行已跳过（{text[:40]}）" for n, text in self.notes]


def _max_unpacked() -> int:
    from django.conf import settings

    return int(getattr(settings, "SPREADSHEET_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED))


def check_archive(data: bytes, *, limit: int | None = None) -> None:
    """Refuse anything that is not a zip of sane unpacked size (before any XML is parsed)."""
    limit = _max_unpacked() if limit is None else limit
    if data[:2] == b"\xd0\xcf":  # OLE2: .xls / .et / encrypted .xlsx
        raise PlatformError("不支持 .xls 或加密的表格文件：请在 Excel/WPS 中另存为 .xlsx（Excel 工作簿）后上传",
                            code="bad_file", fields={"file": ["请上传 .xlsx 文件"]})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise PlatformError("无法读取文件：不是 .xlsx 格式的表格，请上传 Excel/WPS/LibreOffice 保存的 .xlsx 文件",
                            code="bad_file", fields={"file": ["不是 .xlsx 文件"]}) from exc
    if len(infos) > MAX_MEMBERS:
        raise PlatformError(f"文件内部条目过多（{len(infos)} 个），不像正常的表格文件", code="file_too_large",
                            fields={"file": ["文件内部条目过多"]})
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise PlatformError(
            f"表格解压后过大（约 {total / 1048576:.0f} MB，上限 {limit / 1048576:.0f} MB）：请删除多余的工作表、"
            "图片或格式后重试，或分成几个文件上传", code="file_too_large", fields={"file": ["解压后超过大小上限"]})


def open_workbook(data: bytes) -> Any:
    """The uploaded workbook, read-only with cached values, after `check_archive`."""
    from openpyxl import load_workbook

    check_archive(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable upload is the user's error, never a 500
        raise PlatformError("无法读取文件：表格已损坏或不是 .xlsx 格式，请在 Excel/WPS 中另存为 .xlsx 后重试",
                            code="bad_file", fields={"file": ["无法读取表格"]}) from exc


def cell_text(value: object) -> str:
    """A cell as text: integers without `.0`, dates ISO, text trimmed; None → ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _sheets_in_order(wb: Any) -> list[Any]:
    sheets = list(wb.worksheets)
    return [ws for ws in sheets if ws.sheet_state == "visible"] + [ws for ws in sheets if ws.sheet_state != "visible"]


def _find_header(ws: Any, keys: list[str]) -> tuple[int, dict[str, int]] | None:
    for n, row in enumerate(ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
        columns: dict[str, int] = {}
        for i, v in enumerate(row):
            key = normalize_key(v)
            if key and key not in columns:
                columns[key] = i
        if all(k in columns for k in keys):
            return n, columns
    return None


def read_table(data: bytes, *, required: Sequence[str], key: str | None = None, max_rows: int = 5000) -> Table:
    """Parse an upload into a `Table` (see the module docstring). `required` are the header texts
    that identify the data sheet; `key` (default the first required) is the column whose emptiness
    marks note rows. Refused: unreadable file, no sheet with the header, more than `max_rows` rows."""
    wb = open_workbook(data)
    keys = [normalize_key(h) for h in required]
    key_name = normalize_key(key or required[0])
    try:
        for ws in _sheets_in_order(wb):
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # the stored <dimension> may be stale (WPS)
            found = _find_header(ws, keys)
            if found is None:
                continue
            header_row, columns = found
            return _read_rows(ws, header_row, columns, columns[key_name], max_rows)
    except PlatformError:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet that breaks while read is the file's fault, not a 500
        raise PlatformError("无法读取文件：表格内容已损坏，请在 Excel/WPS 中打开后另存为 .xlsx 再上传",
                            code="bad_file", fields={"file": ["表格内容已损坏"]}) from exc
    finally:
        wb.close()
    raise PlatformError("找不到表头：没有一个工作表含有“" + "”“".join(required) + "”这些列（表头须在前 "
                        f"{HEADER_SEARCH_ROWS} 行内）", code="bad_header", fields={"file": ["找不到表头"]})


def _read_rows(ws: Any, header_row: int, columns: dict[str, int], key_col: int, max_rows: int) -> Table:
    table = Table(sheet=ws.title, header_row=header_row, columns=columns)
    in_notes = False
    for n, row in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
        cells = [cell_text(v) for v in row]
        if not any(cells):
            continue
        key_text = cells[key_col] if key_col < len(cells) else ""
        filled = [c for c in cells if c]
        alone = len(filled) == 1  # a merged footnote across the table holds its text in one cell
        if (not key_text or alone) and (in_notes and not key_text or NOTE_RE.match(normalize_text(filled[0]))):
            in_notes = True
            table.notes.append((n, " ".join(" ".join(c.split()) for c in filled)))  # as typed, spaces collapsed
            continue
        if len(table.rows) >= max_rows:
            raise PlatformError(f"行数过多（上限 {max_rows} 行），请分成几个文件上传", code="too_many_rows",
                                fields={"file": [f"超过 {max_rows} 行"]})
        table.rows.append((n, cells))
    return table
