"""Excel export then import round-trips a list unchanged; a broken row is refused with its row number."""
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from catalog import selectors
from catalog.tests.factory import build_catalog
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _api(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c


def _upload(api, pk, content, name="list.xlsx"):  # noqa: ANN001, ANN202
    f = io.BytesIO(content)
    f.name = name
    return api.post(f"/api/catalog/lists/{pk}/import/", {"file": f, "effective_date": timezone.localdate().isoformat(),
                                                         "reason": "按 Excel 更新"}, format="multipart")


def test_export_then_import_changes_nothing():
    cat = build_catalog(build_world())
    item_list = cat.lists["b-enforcement"]
    api = _api(cat.reform)
    exported = api.get(f"/api/catalog/lists/{item_list.pk}/export/")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(exported.content)).active
    assert [c.value for c in ws[2]] == ["序号", "事项编码", "事项名称", "事项类型", "实施依据", "县级主管部门", "来源", "备注"]
    assert [ws.cell(r, 2).value for r in range(3, ws.max_row + 1)] == ["CG-CF-001", "CG-CF-015"]
    versions = item_list.versions.count()
    before = selectors.list_state(item_list).codes
    r = _upload(api, item_list.pk, exported.content)
    assert r.status_code == 200, r.content
    assert r.json()["changed"] is False and r.json()["rows"] == 2
    assert item_list.versions.count() == versions
    assert selectors.list_state(item_list).codes == before


def test_import_with_a_change_records_one_version():
    cat = build_catalog(build_world())
    item_list = cat.lists["b-enforcement"]
    api = _api(cat.reform)
    wb = load_workbook(io.BytesIO(api.get(f"/api/catalog/lists/{item_list.pk}/export/").content))
    ws = wb.active
    ws.append([3, "CG-CF-003", "对随地吐痰、便溺的处罚", "", "", "", "", "恢复承接"])
    out = io.BytesIO()
    wb.save(out)
    r = _upload(api, item_list.pk, out.getvalue())
    assert r.status_code == 201, r.content
    assert r.json()["version"]["entries"] == [{"item": "CG-CF-003", "op": "add", "reason": "恢复承接"}]
    assert "CG-CF-003" in selectors.list_state(item_list).codes


def test_broken_row_is_refused_with_row_number_and_nothing_imported():
    cat = build_catalog(build_world())
    item_list = cat.lists["b-enforcement"]
    api = _api(cat.reform)
    wb = load_workbook(io.BytesIO(api.get(f"/api/catalog/lists/{item_list.pk}/export/").content))
    ws = wb.active
    ws.append([3, "NO-SUCH", "乱写的事项"])
    ws.append([4, "CG-CF-001", "重复一行"])
    ws.append([5, "CG-XK-002", "临时占用城市道路审批"])
    out = io.BytesIO()
    wb.save(out)
    versions = item_list.versions.count()
    r = _upload(api, item_list.pk, out.getvalue())
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "import_invalid"
    rows = err["fields"]["rows"]
    assert any(e.startswith("第 5 行") and "NO-SUCH" in e for e in rows)
    assert any(e.startswith("第 6 行") and "与第 3 行重复" in e for e in rows)
    assert any(e.startswith("第 7 行") and "不属于行政执法清单" in e for e in rows)
    assert item_list.versions.count() == versions


def test_not_an_excel_file_is_400():
    cat = build_catalog(build_world())
    r = _upload(_api(cat.reform), cat.lists["b-enforcement"].pk, b"not a workbook", "x.xlsx")
    assert r.status_code == 400 and "xlsx" in r.json()["error"]["message"]
