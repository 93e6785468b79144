"""Reading spreadsheets as people save them: files generated here with the quirks of WPS, Excel and
LibreOffice (hidden first sheet, renamed sheet, header line breaks, stale dimension, footnotes),
and files that must be refused (zip bomb, .xls, not a spreadsheet, no header)."""
import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from core.errors import PlatformError
from core.reports.xlsx_read import check_archive, read_table

REQUIRED = ["事项编码", "事项名称"]


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite(data: bytes, member: str, change) -> bytes:  # noqa: ANN001
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def _list_sheet(ws, header=("序号", "事项编码", "事项名称", "备注")) -> None:  # noqa: ANN001
    ws.append(["广陵区审批服务清单"])
    ws.append(list(header))
    ws.append([1, "XK-001", "临时占用城市道路审批", None])
    ws.append([2, "XK-019", "乡(镇)村公共设施、公益事业建设用地审核", "新增"])


def test_hidden_first_sheet_and_a_data_sheet_with_another_name_are_found_by_the_header():
    wb = Workbook()
    lookup = wb.active
    lookup.title = "下拉选项"
    lookup.append(["事项类型"])
    lookup.append(["行政许可"])
    lookup.sheet_state = "hidden"
    _list_sheet(wb.create_sheet("Sheet2"))
    table = read_table(_save(wb), required=REQUIRED)
    assert table.sheet == "Sheet2" and table.header_row == 2
    assert [table.get(c, "事项编码") for _, c in table.rows] == ["XK-001", "XK-019"]
    assert [n for n, _ in table.rows] == [3, 4]


def test_a_hidden_sheet_with_the_same_header_loses_to_the_visible_one():
    wb = Workbook()
    old = wb.active
    old.title = "旧版"
    old.append(["事项编码", "事项名称"])
    old.append(["OLD-1", "旧事项"])
    old.sheet_state = "hidden"
    _list_sheet(wb.create_sheet("新版"))
    assert read_table(_save(wb), required=REQUIRED).sheet == "新版"


def test_header_with_line_breaks_full_width_forms_and_other_column_order():
    wb = Workbook()
    ws = wb.active
    ws.append(["事项\n名称", " 事项编码 ", "备　注"])  # Alt+Enter in a header, stray and ideographic spaces
    ws.append(["临时占用城市道路审批", "ＸＫ－００１", "x"])
    table = read_table(_save(wb), required=REQUIRED)
    assert table.header_row == 1
    _, cells = table.rows[0]
    assert table.get(cells, "事项名称") == "临时占用城市道路审批"
    assert table.get(cells, "事项编码") == "ＸＫ－００１"  # raw; callers compare after normalize_text
    assert table.get(cells, "备注") == "x"


def test_a_stale_dimension_as_wps_writes_it_is_not_trusted():
    wb = Workbook()
    _list_sheet(wb.active)
    data = _rewrite(_save(wb), "xl/worksheets/sheet1.xml",
                    lambda b: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', b))
    assert b'<dimension ref="A1"/>' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    table = read_table(data, required=REQUIRED)
    assert len(table.rows) == 2


def test_footnote_rows_are_skipped_and_reported_and_a_bad_row_is_kept_for_the_caller():
    wb = Workbook()
    ws = wb.active
    _list_sheet(ws)
    ws.append([3, None, "漏填编码的事项"])
    ws.append([])
    ws.append(["注：本清单自发布之日起施行。"])
    ws.append(["1. 由区编办负责解释。"])
    ws.append([None, "说明:第二条注释"])
    table = read_table(_save(wb), required=REQUIRED)
    assert [n for n, _ in table.rows] == [3, 4, 5]  # row 5 has no code: the caller reports it
    assert [n for n, _ in table.notes] == [7, 8, 9]
    assert table.notes_report()[0] == "第 7 行：说明行已跳过（注：本清单自发布之日起施行。）"


def test_rows_below_a_long_gap_are_still_read():
    wb = Workbook()
    ws = wb.active
    _list_sheet(ws)
    ws.cell(row=30000, column=1).number_format = "@"  # an empty formatted cell far below
    ws.cell(row=30000, column=2, value=None)
    ws.cell(row=30001, column=2, value="XK-002")
    ws.cell(row=1048576, column=1, value="注：最后一行")
    table = read_table(_save(wb), required=REQUIRED)
    assert [n for n, _ in table.rows] == [3, 4, 30001]
    assert table.notes == [(1048576, "注：最后一行")]


def test_no_sheet_with_the_header_is_refused_in_chinese():
    wb = Workbook()
    wb.active.append(["编码", "名称"])
    with pytest.raises(PlatformError) as exc:
        read_table(_save(wb), required=REQUIRED)
    assert exc.value.code == "bad_header" and "找不到表头" in exc.value.message


def test_too_many_rows_are_refused():
    wb = Workbook()
    ws = wb.active
    ws.append(REQUIRED)
    for i in range(12):
        ws.append([f"C{i}", "名"])
    with pytest.raises(PlatformError) as exc:
        read_table(_save(wb), required=REQUIRED, max_rows=10)
    assert exc.value.code == "too_many_rows"


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(settings):  # noqa: ANN001
    settings.SPREADSHEET_MAX_UNPACKED_BYTES = 1024 * 1024
    wb = Workbook()
    _list_sheet(wb.active)
    data = _rewrite(_save(wb), "xl/worksheets/sheet1.xml",
                    lambda b: b.replace(b"<sheetData>", b"<sheetData>" + b" " * (8 * 1024 * 1024)))
    assert len(data) < 100 * 1024  # small on the wire, 8 MB unpacked
    with pytest.raises(PlatformError) as exc:
        read_table(data, required=REQUIRED)
    assert exc.value.code == "file_too_large"
    assert "解压后过大" in exc.value.message and "上限 1 MB" in exc.value.message


def test_declared_sizes_bound_what_zipfile_inflates():
    # A member whose central directory claims 10 bytes cannot inflate to more: zipfile stops and fails.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xml", b"x" * 100_000)
    raw = bytearray(out.getvalue())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")  # uncompressed size in the central directory
    check_archive(bytes(raw), limit=1000)  # passes the guard on the declared size …
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zf, pytest.raises(zipfile.BadZipFile):
        zf.read("a.xml")  # … and zipfile never hands out more than was declared


@pytest.mark.parametrize(("data", "needle"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    (b"code,name\nXK-001,x\n", "不是 .xlsx"),
    (b"PK\x03\x04broken", "不是 .xlsx"),
])
def test_files_that_are_not_xlsx_are_refused_in_chinese(data, needle):  # noqa: ANN001
    with pytest.raises(PlatformError) as exc:
        read_table(data, required=REQUIRED)
    assert exc.value.code == "bad_file" and needle in exc.value.message


def test_a_zip_that_is_not_a_workbook_is_refused_in_chinese():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(PlatformError) as exc:
        read_table(out.getvalue(), required=REQUIRED)
    assert exc.value.code == "bad_file" and "无法读取文件" in exc.value.message


def test_a_sheet_that_breaks_while_read_is_refused_in_chinese():
    wb = Workbook()
    _list_sheet(wb.active)
    data = _rewrite(_save(wb), "xl/worksheets/sheet1.xml", lambda b: b.replace(b"</sheetData>", b"<row r="))
    with pytest.raises(PlatformError) as exc:
        read_table(data, required=REQUIRED)
    assert exc.value.code == "bad_file" and "无法读取文件" in exc.value.message
