"""The one spreadsheet writer: every Excel export of the platform goes through here.

Layout of every sheet (officials hand these files on, and `core.reports.xlsx_read` reads it back):

    row 1   title row: what it is, the area it covers, the local export time
    row 2   header (bold, shaded, frozen with the title, auto-filter)
    row 3…  data

What each cell gets, whatever the caller passes (`cell_value`):

- aware datetimes in local time (`settings.TIME_ZONE`, Asia/Shanghai), shown `yyyy-mm-dd hh:mm`,
  stored without tzinfo (Excel has none) and without microseconds; dates as `yyyy-mm-dd`;
- text that a spreadsheet could take for a formula — beginning with `=`, `+`, `-`, `@`, tab or
  CR (OWASP "CSV injection") — written as a string cell (never a formula cell, which openpyxl
  would otherwise make of anything starting with `=`) and flagged `quotePrefix`, Excel's own mark
  for "typed with a leading apostrophe", so Excel, WPS and LibreOffice keep it text even when the
  cell is edited; the value itself is kept exact, so an export re-imports unchanged;
- characters XML cannot hold (C0 controls) removed, text cut at Excel's 32,767 characters;
  booleans as 是/否; lazy translations, enums and other objects as their text.

Column widths are fitted to the header and the first `FIT_SAMPLE` rows (CJK characters count
double). Rows are written through openpyxl's write-only workbook, so memory stays flat however many
rows the iterable yields (`write` streams into any binary file; `response` spools to a temporary
file and answers with it).
"""
from __future__ import annotations

import datetime as dt
import enum
import io
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import IO, Any, TypeAlias

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
FIT_SAMPLE = 200
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0
EXCEL_MAX_TEXT = 32767


@dataclass
class Sheet:
    """One sheet: `name` (the tab, cut to 31 characters), `header`, `rows` (any iterable, consumed
    once), an optional `title` for row 1 (default: the workbook title, else the name) and fixed
    column `widths` in characters (default: fitted)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    title: str = ""
    widths: Sequence[float] = ()


SheetLike: TypeAlias = Sheet | tuple[str, Sequence[str], Iterable[Sequence[object]]]


def _local_now() -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime().replace(microsecond=0)


def _local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        from django.utils import timezone

        value = timezone.localtime(value).replace(tzinfo=None)
    return value.replace(microsecond=0)


def local_text(value: dt.datetime) -> str:
    """`2026年12月2日 12:00` in local time: the title row's date form."""
    value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def needs_neutralising(text: str) -> bool:
    """True for text a spreadsheet could run as a formula or DDE call (OWASP CSV injection)."""
    return text.startswith(FORMULA_TRIGGERS)


def _clean_text(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text[:EXCEL_MAX_TEXT]


def cell_value(value: object) -> object:
    """What a cell holds for `value` (see the module docstring); text is returned as `str`."""
    if value is None or isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.replace(microsecond=0) if isinstance(value, dt.time) else value
    if isinstance(value, enum.Enum) and not isinstance(value, str):
        value = value.value
    return _clean_text(str(value))


def display_width(value: object) -> float:
    """Width in Excel character units: wide (CJK) characters count 2; dates a fixed width."""
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = "" if value is None else str(value)
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                   for line in text.splitlines() or [""]), default=0)
    return float(longest)


def fit_widths(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[float]:
    """Column widths (characters) for the header and a sample of rows, between 6 and 60."""
    widths = [display_width(h) for h in header]
    for row in rows:
        for i, v in enumerate(row):
            w = display_width(v)
            if i >= len(widths):
                widths.append(w)
            elif w > widths[i]:
                widths[i] = w
    return [min(MAX_WIDTH, max(MIN_WIDTH, w + 2)) for w in widths]


def caption(title: str, area: str, at: dt.datetime) -> str:
    """The title row: `<title>　<area>　导出时间：2026年11月30日 13:32` (the area once)."""
    parts = [title] if title else []
    if area and area not in title:
        parts.append(area)
    parts.append(f"导出时间：{local_text(at)}")
    return "　".join(parts)


class _Styler:
    """Cell factory for one write-only sheet; plain values are passed through unstyled."""

    def __init__(self, ws: Any) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import Cell
        from openpyxl.styles import Alignment, Font, PatternFill

        self.ws = ws
        self.cell_class = WriteOnlyCell  # a factory function returning openpyxl's Cell
        self.cell_type = Cell
        self.title_font = Font(bold=True, size=14)
        self.header_font = Font(bold=True)
        self.header_fill = PatternFill("solid", fgColor="E8EEF8")
        self.header_align = Alignment(vertical="center", wrap_text=True)

    def value(self, raw: object) -> object:
        value = cell_value(raw)
        if isinstance(value, dt.datetime):
            cell = self.cell_class(self.ws, value)
            cell.number_format = DATETIME_FORMAT
            return cell
        if isinstance(value, dt.date):
            cell = self.cell_class(self.ws, value)
            cell.number_format = DATE_FORMAT
            return cell
        if isinstance(value, str) and needs_neutralising(value):
            cell = self.cell_class(self.ws, value)
            cell.data_type = "s"  # openpyxl makes a formula of '=…'; a string cell is never evaluated
            cell.quotePrefix = True
            return cell
        return value

    def row(self, raw: Sequence[object]) -> list[object]:
        return [self.value(v) for v in raw]

    def _cell(self, raw: object) -> Any:
        value = self.value(raw)
        return value if isinstance(value, self.cell_type) else self.cell_class(self.ws, value)

    def title(self, text: str) -> list[object]:
        cell = self._cell(text)
        cell.font = self.title_font
        return [cell]

    def header(self, header: Sequence[str]) -> list[object]:
        cells = []
        for h in header:
            cell = self._cell(h)
            cell.font = self.header_font
            cell.fill = self.header_fill
            cell.alignment = self.header_align
            cells.append(cell)
        return cells


def _as_sheet(sheet: SheetLike) -> Sheet:
    return sheet if isinstance(sheet, Sheet) else Sheet(name=sheet[0], header=sheet[1], rows=sheet[2])


def _write_sheet(wb: Any, sheet: Sheet, title: str, area: str, at: dt.datetime) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=_sheet_name(sheet.name, wb.sheetnames))
    rows: Iterator[Sequence[object]] = iter(sheet.rows)
    sample = [[cell_value(v) for v in r] for r in islice(rows, FIT_SAMPLE)]
    widths = list(sheet.widths) or fit_widths(sheet.header, sample)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ncols = max(len(sheet.header), 1)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(ncols)}2"
    styler = _Styler(ws)
    ws.append(styler.title(caption(sheet.title or title or sheet.name, area, at)))
    ws.append(styler.header(sheet.header))
    for row in chain(sample, rows):
        ws.append(styler.row(row))


def _sheet_name(name: str, taken: Sequence[str]) -> str:
    # Excel refuses []:*?/\ in sheet names and more than 31 characters.
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip() or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = base[:31 - len(suffix)] + suffix, n + 1
    return candidate


def write(target: IO[bytes], sheets: Iterable[SheetLike], *, title: str = "", area: str = "",
          at: dt.datetime | None = None) -> None:
    """Stream a workbook into `target` (write-only: rows are consumed once, memory stays flat).

    `title` is the title row of sheets without their own, `area` the division name the data covers,
    `at` the export time (default now); both appear in every sheet's title row.
    """
    from openpyxl import Workbook

    at = at or _local_now()
    wb = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(wb, _as_sheet(sheet), title, area, at)
    if not wb.sheetnames:
        _write_sheet(wb, Sheet(name="Sheet1", header=[], rows=[]), title, area, at)
    wb.save(target)


def workbook(sheets: Iterable[SheetLike], *, title: str = "", area: str = "",
             at: dt.datetime | None = None) -> bytes:
    """The workbook as bytes (for files stored in MEDIA); see `write`."""
    buffer = io.BytesIO()
    write(buffer, sheets, title=title, area=area, at=at)
    return buffer.getvalue()


def response(filename: str, sheets: Iterable[SheetLike], *, title: str = "", area: str = "",
             at: dt.datetime | None = None, stream: bool = False) -> Any:
    """A download named `filename` (non-ASCII names per RFC 6266).

    The workbook is spooled to a temporary file (in memory up to 8 MB, on disk beyond). With
    `stream=True` the answer is a `FileResponse` sending that file in chunks (large lists);
    otherwise an `HttpResponse` holding the bytes (small files, `.content` readable).
    """
    from django.http import FileResponse, HttpResponse
    from django.utils.http import content_disposition_header

    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed below / by Django
    write(spool, sheets, title=title, area=area, at=at)
    spool.seek(0)
    if stream:
        return FileResponse(spool, as_attachment=True, filename=filename, content_type=MIME)
    with spool:
        answer = HttpResponse(spool.read(), content_type=MIME)
    answer["Content-Disposition"] = content_disposition_header(True, filename)
    return answer
