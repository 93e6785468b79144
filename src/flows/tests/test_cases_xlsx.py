"""The case list's Excel export (`flows.views._cases_xlsx`, written by `core.reports.xlsx`): the
deadline the page shows, a formula-like title kept as text, the title row naming the area."""
import datetime as dt
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from flows import services
from flows.tests.helpers import TOWN_A, make_item, publish, setup, template

pytestmark = pytest.mark.django_db

PAGE_TIME = [re.compile(r"当前环节期限：\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})"),
             re.compile(r"当前环节期限：\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})")]


def _client(user):  # noqa: ANN001, ANN202
    c = Client()
    c.force_login(user)
    return c


def _export(user, query: str = "state=running"):  # noqa: ANN001, ANN202
    r = _client(user).get(f"/flows/cases/?format=xlsx&{query}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(r.streaming_content))).active


def _page_deadline(html: str) -> dt.datetime:
    for pattern in PAGE_TIME:
        m = pattern.search(html)
        if m:
            year, month, day, hour, minute = (int(g) for g in m.groups())
            return dt.datetime(year, month, day, hour, minute)
    raise AssertionError("the case page shows no deadline")


def test_the_cases_excel_shows_the_same_deadline_as_the_page():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A, title="期限核对")
    assert case.due_at is not None
    ws = _export(actors.handler)
    header = [c.value for c in ws[2]]
    cell = ws.cell(row=3, column=header.index("当前环节期限") + 1)
    page = _client(actors.handler).get(f"/flows/cases/{case.pk}/").content.decode()
    assert cell.value.replace(second=0) == _page_deadline(page)  # shown as yyyy-mm-dd hh:mm, as the page
    assert cell.value != case.due_at.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)  # not UTC
    assert cell.number_format == "yyyy-mm-dd hh:mm"
    started = ws.cell(row=3, column=header.index("发起时间") + 1).value
    assert started.microsecond == 0


def test_a_formula_like_case_title_is_exported_as_text():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    title = "=cmd|' /C calc'!A0"
    services.case_start(user=actors.handler, item=item, division_code=TOWN_A, title=title)
    ws = _export(actors.handler)
    cell = ws.cell(row=3, column=2)
    assert cell.value == title and cell.data_type == "s" and cell.quotePrefix is True


def test_the_title_row_names_the_area_the_rows_cover_and_the_header_is_frozen():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    services.case_start(user=actors.handler, item=item, division_code=TOWN_A, title="区域")
    ws = _export(actors.handler)
    from divisions.models import Division

    town = Division.objects.get(code=TOWN_A)
    assert ws["A1"].value.startswith(f"办件列表　{town.name}　导出时间：")
    assert ws.freeze_panes == "A3"
    empty = _export(actors.handler, "state=completed")
    assert empty["A1"].value.startswith("办件列表　导出时间：") and empty.max_row == 2
