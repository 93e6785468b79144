"""The one spreadsheet writer: local time, neutralised formula text, title row, frozen header, fitted
widths, streaming. Every test opens the written file and reads it back."""
import datetime as dt
import io
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook

from core.reports import xlsx

UTC = dt.UTC
AT = dt.datetime(2026, 11, 30, 5, 32, 7, 123456, tzinfo=UTC)  # 13:32 in Shanghai


def _book(sheets, **kw):  # noqa: ANN001, ANN003, ANN202
    data = xlsx.workbook(sheets, **kw)
    return data, load_workbook(io.BytesIO(data))


def test_aware_times_are_written_in_shanghai_time_without_microseconds():
    due = dt.datetime(2026, 12, 2, 4, 0, 0, 987654, tzinfo=UTC)  # 12:00 in Shanghai
    _, wb = _book([("办件", ["期限", "日期"], [[due, dt.date(2026, 12, 2)]])], at=AT)
    ws = wb.active
    cell = ws["A3"]
    assert cell.value == dt.datetime(2026, 12, 2, 12, 0, 0)
    assert cell.number_format == "yyyy-mm-dd hh:mm"
    assert ws["B3"].value == dt.datetime(2026, 12, 2, 0, 0) and ws["B3"].number_format == "yyyy-mm-dd"
    assert ws["A1"].value == "办件　导出时间：2026年11月30日 13:32"


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1",
                                  "=HYPERLINK(\"http://x\",\"y\")"])
def test_text_a_spreadsheet_could_run_is_kept_as_text(text):  # noqa: ANN001
    data, wb = _book([("办件", ["标题", text], [[text, "普通标题"]])], title=text, area="东关街道", at=AT)
    ws = wb.active
    cell = ws["A3"]
    assert cell.data_type == "s" and cell.value == text
    assert cell.quotePrefix is True  # Excel, WPS and LibreOffice keep it text even when edited
    assert ws["B2"].data_type == "s" and ws["B2"].value == text and ws["B2"].quotePrefix is True
    assert ws["A1"].data_type == "s"
    assert ws["B3"].quotePrefix is False  # ordinary text is left alone
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml  # no formula cell anywhere


def test_title_row_names_the_area_and_date_and_the_header_is_frozen_with_a_filter():
    rows = [["321002001001", "东关街道东关社区居委会网格管理与巡查的很长的名称" * 2, 3]]
    _, wb = _book([xlsx.Sheet(name="网格", header=["编码", "名称", "数"], rows=rows, title="网格清单")],
                  area="广陵区", at=AT)
    ws = wb["网格"]
    assert ws["A1"].value == "网格清单　广陵区　导出时间：2026年11月30日 13:32" and ws["A1"].font.b
    assert [c.value for c in ws[2]] == ["编码", "名称", "数"] and ws["A2"].font.b
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:C2"
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert widths["B"] > widths["A"] > widths["C"]  # CJK text counts double
    assert widths["B"] == 60  # capped
    assert widths["A"] == 14  # 12 digits + 2


def test_area_already_in_the_title_is_not_repeated():
    assert xlsx.caption("广陵区审批服务清单", "广陵区", AT) == "广陵区审批服务清单　导出时间：2026年11月30日 13:32"


def test_cells_are_cleaned_of_what_xml_cannot_hold_and_booleans_read_in_chinese():
    _, wb = _book([("t", ["a", "b", "c"], [["坏\x01字符\x0b", True, False]])])
    ws = wb.active
    assert [c.value for c in ws[3]] == ["坏字符", "是", "否"]


def test_rows_are_streamed_from_a_generator_into_a_file(tmp_path):  # noqa: ANN001
    consumed = []

    def rows():  # noqa: ANN202
        for i in range(5000):
            consumed.append(i)
            yield [i, f"第{i}行", dt.datetime(2026, 1, 1, tzinfo=UTC)]

    path = tmp_path / "big.xlsx"
    with path.open("wb") as fh:
        xlsx.write(fh, [xlsx.Sheet(name="大表", header=["序号", "名称", "时间"], rows=rows())], area="扬州市")
    assert len(consumed) == 5000
    ws = load_workbook(path, read_only=True)["大表"]
    values = list(ws.values)
    assert len(values) == 5002 and values[-1][0] == 4999 and values[-1][2] == dt.datetime(2026, 1, 1, 8, 0)


def test_several_sheets_get_distinct_valid_names():
    _, wb = _book([("a/b:c", ["x"], []), ("a/b:c", ["x"], [])], title="报表")
    assert wb.sheetnames == ["a_b_c", "a_b_c(2)"]
    assert wb["a_b_c"]["A1"].value.startswith("报表")


def test_download_response_names_the_file_and_can_stream():
    small = xlsx.response("办件列表.xlsx", [("t", ["a"], [[1]])])
    assert small["Content-Type"] == xlsx.MIME and "filename*=utf-8''" in small["Content-Disposition"]
    assert load_workbook(io.BytesIO(small.content)).active["A3"].value == 1
    big = xlsx.response("cases.xlsx", [("t", ["a"], [[1]])], stream=True)
    assert big.streaming and load_workbook(io.BytesIO(b"".join(big.streaming_content))).active["A3"].value == 1


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed on this machine")
def test_libreoffice_reads_neutralised_cells_as_text_and_evaluates_a_plain_formula(tmp_path):  # noqa: ANN001
    from openpyxl import Workbook

    (tmp_path / "ours.xlsx").write_bytes(xlsx.workbook([("t", ["a", "b"], [["=1+1", "-2+3"]])]))
    raw = Workbook()
    raw.active.append(["=1+1"])  # what openpyxl writes without the helper: a formula cell
    raw.save(tmp_path / "raw.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(tmp_path / "ours.xlsx"),
                    str(tmp_path / "raw.xlsx")], check=True, timeout=180, capture_output=True)
    assert (tmp_path / "ours.csv").read_text(encoding="utf-8").splitlines()[2] == "=1+1,-2+3"
    assert (tmp_path / "raw.csv").read_text(encoding="utf-8").strip() == "2"
