"""Excel workbooks from rows (officials live in Excel): one sheet per (title, header, rows)."""
from __future__ import annotations

import io
from typing import Sequence


def workbook(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        write_sheet(ws, header, rows)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E8EEF8")
        for i, h in enumerate(header, start=1):
            width = max([len(str(h))] + [len(str(r[i - 1])) for r in rows[:200] if len(r) >= i])
            ws.column_dimensions[get_column_letter(i)].width = min(60, 4 + width * 1.6)
        ws.freeze_panes = "A2"
    if not wb.sheetnames:
        wb.create_sheet("Sheet1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_sheet(ws, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:  # noqa: ANN001
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
