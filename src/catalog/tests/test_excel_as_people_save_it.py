"""List import of spreadsheets as people save them (issue 12 item 4): every fixture in
`fixtures/` (README there) imports through the API, or is refused with the row and the reason."""
import io
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import selectors
from catalog.demo import load_items
from catalog.tests.factory import build_catalog
from core import audit
from core.testing.world import build_world

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CODES = sorted([
    "GG-001", "GG-002", "GG-003", "GG-004", "GG-005", "GG-006", "GG-007", "GG-008", "GG-011", "QT-001",
    "QT-004", "QT-006", "QT-009", "QT-010", "QT-011", "XK-001", "XK-002", "XK-003", "XK-005", "XK-007",
    "XK-009", "XK-010", "XK-013", "XK-015", "XK-017", "XK-019", "XK-023", "XK-030", "XK-031", "XK-034",
    "XK-041",
])


@pytest.fixture
def county_list():  # noqa: ANN201
    cat = build_catalog(build_world())
    with audit.acting_as(name="test", source="test"):
        load_items()
    return cat, cat.lists["county-approval"]


def _upload(user, item_list, content: bytes, name: str):  # noqa: ANN001, ANN202
    api = APIClient()
    api.force_authenticate(user)
    f = io.BytesIO(content)
    f.name = name
    return api.post(f"/api/catalog/lists/{item_list.pk}/import/",
                    {"file": f, "effective_date": timezone.localdate().isoformat(), "reason": "按编办下发文件更新"},
                    format="multipart")


@pytest.mark.parametrize("name", ["v1_wps_dimension_A1.xlsx", "v5_footnote_row.xlsx", "v6_halfwidth_parens.xlsx",
                                  "libreoffice_from_csv.xlsx", "q_hidden_first_sheet.xlsx",
                                  "q_renamed_sheet_after_cover.xlsx", "q_header_line_breaks.xlsx"])
def test_each_saved_form_imports_the_whole_list(county_list, name):  # noqa: ANN001
    cat, item_list = county_list
    r = _upload(cat.reform, item_list, (FIXTURES / name).read_bytes(), name)
    assert r.status_code == 201, r.json()
    assert r.json()["rows"] == 31
    assert sorted(selectors.list_state(item_list).codes) == CODES
    reasons = {e["item"]: e["reason"] for e in r.json()["version"]["entries"] if e["op"] == "add"}
    assert reasons["XK-019"] == "省指导目录更新后新增"  # the 备注 column, found by its header


def test_footnote_row_is_skipped_and_reported(county_list):  # noqa: ANN001
    cat, item_list = county_list
    r = _upload(cat.reform, item_list, (FIXTURES / "v5_footnote_row.xlsx").read_bytes(), "v5.xlsx")
    assert r.status_code == 201
    assert r.json()["skipped"] == ["第 35 行：说明行已跳过（注：本清单自发布之日起施行，由区编办负责解释。）"]


def test_half_width_name_matches_the_full_width_catalog_name(county_list):  # noqa: ANN001
    cat, item_list = county_list
    from catalog.models import Item

    assert Item.objects.get(code="XK-019").name.startswith("乡（镇）")
    r = _upload(cat.reform, item_list, (FIXTURES / "v6_halfwidth_parens.xlsx").read_bytes(), "v6.xlsx")
    assert r.status_code == 201 and "XK-019" in selectors.list_state(item_list).codes


def test_a_name_that_differs_after_normalisation_is_refused_with_row_and_reason(county_list):  # noqa: ANN001
    from openpyxl import load_workbook

    cat, item_list = county_list
    wb = load_workbook(FIXTURES / "v6_halfwidth_parens.xlsx")
    wb.active["C28"] = "乡(镇)村公共设施建设用地审核"  # XK-019, words missing
    out = io.BytesIO()
    wb.save(out)
    versions = item_list.versions.count()
    r = _upload(cat.reform, item_list, out.getvalue(), "bad.xlsx")
    assert r.status_code == 400
    assert r.json()["error"]["fields"]["rows"] == [
        "第 28 行：事项名称“乡(镇)村公共设施建设用地审核”与编码 XK-019 的名称“乡（镇）村公共设施、公益事业建设用地审核”不符"]
    assert item_list.versions.count() == versions


def test_a_zip_bomb_upload_is_refused_in_chinese_and_nothing_is_written(county_list, settings):  # noqa: ANN001
    import zipfile

    settings.SPREADSHEET_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    cat, item_list = county_list
    src = zipfile.ZipFile(FIXTURES / "v1_wps_dimension_A1.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<sheetData>", b"<sheetData>" + b" " * (50 * 1024 * 1024))
            dst.writestr(info.filename, body)
    assert len(out.getvalue()) < 200 * 1024
    versions = item_list.versions.count()
    r = _upload(cat.reform, item_list, out.getvalue(), "bomb.xlsx")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "file_too_large" and "解压后过大" in r.json()["error"]["message"]
    assert item_list.versions.count() == versions


def test_an_old_xls_file_is_refused_in_chinese(county_list):  # noqa: ANN001
    cat, item_list = county_list
    r = _upload(cat.reform, item_list, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "list.xls")
    assert r.status_code == 400 and "另存为 .xlsx" in r.json()["error"]["message"]


def test_the_page_import_reports_the_skipped_note_row(county_list):  # noqa: ANN001
    from django.test import Client

    cat, item_list = county_list
    c = Client()
    c.force_login(cat.reform)
    f = io.BytesIO((FIXTURES / "v5_footnote_row.xlsx").read_bytes())
    f.name = "v5.xlsx"
    r = c.post(f"/catalog/lists/{item_list.pk}/import/", {"file": f, "effective_date": timezone.localdate().isoformat(),
                                                         "reason": "更新"}, follow=True)
    text = r.content.decode()
    assert "第 35 行：说明行已跳过" in text and "已导入 31 行" in text
