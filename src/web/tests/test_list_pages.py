"""Issue 13 item 4: lists as people use them — sortable columns, date ranges and an Excel export of
exactly the filtered rows (files opened and read back)."""
from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from catalog import services as catalog_services
from catalog.models import Admission
from catalog.tests.factory import build_catalog
from core import audit
from core.testing.world import build_world
from grids.models import Finding, Patrol
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _sheet_rows(response: Any) -> list[list[Any]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(BytesIO(body)).active
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]  # row 1 title, row 2 header


def test_admissions_sort_filter_by_date_and_export_the_filtered_rows() -> None:
    world = build_world()
    cat = build_catalog(world)
    titles = ["甲任务", "乙任务", "丙任务"]
    for title in titles:
        catalog_services.admission_file(department=cat.units["321002-cgj"], title=title, legal_basis="文件",
                                        user=cat.dept)
    today = timezone.localdate()
    for days, title in ((20, "甲任务"), (10, "乙任务")):  # filed 20 and 10 days ago
        Admission.objects.filter(title=title).update(created_at=timezone.now() - dt.timedelta(days=days))
    client = _client(cat.reform)
    page = client.get("/catalog/admissions/?o=created_at").content.decode()
    assert page.index("甲任务") < page.index("乙任务") < page.index("丙任务")  # oldest first
    assert 'aria-sort="ascending"' in page and "o=-created_at" in page
    newest = client.get("/catalog/admissions/?o=-created_at").content.decode()
    assert newest.index("丙任务") < newest.index("乙任务") < newest.index("甲任务")
    since = (today - dt.timedelta(days=15)).isoformat()
    recent = client.get(f"/catalog/admissions/?created_after={since}").content.decode()
    assert "乙任务" in recent and "丙任务" in recent and "甲任务" not in recent and "共 2 条" in recent
    rows = _sheet_rows(client.get(f"/catalog/admissions/?created_after={since}&o=created_at&format=xlsx"))
    assert [r[1] for r in rows] == ["乙任务", "丙任务"]
    assert client.get("/catalog/admissions/?created_after=2026-13-01").status_code == 400


def test_procedures_items_and_cases_export_and_sort() -> None:
    world = build_world()
    cat = build_catalog(world)
    catalog_services.change_file(kind="delegation", town=world.town_b, item=cat.items["CG-CF-003"], reason="赋权",
                                 effective_date=timezone.localdate() + dt.timedelta(days=3), user=cat.reform)
    client = _client(cat.reform)
    rows = _sheet_rows(client.get("/catalog/changes/?state=submitted&format=xlsx"))
    assert len(rows) == 1 and rows[0][0] == "赋权" and rows[0][3] == "CG-CF-003"
    far = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert "共 0 条" in client.get(f"/catalog/changes/?effective_after={far}").content.decode()
    items = _sheet_rows(client.get("/catalog/items/?o=-code&format=xlsx"))
    assert [r[0] for r in items] == sorted((r[0] for r in items), reverse=True) and len(items) == 6
    assert _client(cat.reform).get("/flows/cases/?o=-due_at&due_after=2026-01-01").status_code == 200


def test_findings_page_filters_sorts_and_exports() -> None:
    world = build_world()
    fixtures.lay_out(world)
    grid = fixtures.grid_in("321002106000")
    worker = fixtures.team_for(grid)
    now = timezone.now()
    with audit.acting_as(world.insider, source="test"):
        patrol = Patrol.objects.create(worker=worker, division_id=worker.division_id, grid=grid, started_at=now,
                                       status="ended", grids_covered=[grid.code])
        for days, text in ((0, "今日发现"), (3, "三天前发现")):
            Finding.objects.create(patrol=patrol, grid=grid, category="safety", description=text, lng=119.4,
                                   lat=32.4, found_at=now - dt.timedelta(days=days))
    client = _client(world.insider)
    today = timezone.localdate().isoformat()
    page = client.get(f"/grids/findings/?found_after={today}").content.decode()
    assert "今日发现" in page and "三天前发现" not in page and "共 1 条" in page
    rows = _sheet_rows(client.get("/grids/findings/?o=found_at&format=xlsx"))
    assert [r[2] for r in rows] == ["三天前发现", "今日发现"]
    assert client.get("/grids/findings/?found_after=x").status_code == 400
    grid_rows = _sheet_rows(client.get("/grids/?division=321002106000&o=-code&format=xlsx"))
    assert len(grid_rows) == 5 and [r[0] for r in grid_rows] == sorted((r[0] for r in grid_rows), reverse=True)


def test_gaps_and_leadership_export() -> None:
    world = build_world()
    cat = build_catalog(world)
    client = _client(cat.reform)
    gaps = _sheet_rows(client.get("/catalog/gaps/?format=xlsx"))
    assert gaps and all(r[4] for r in gaps)
    towns = _sheet_rows(client.get("/leadership/?format=xlsx"))
    assert {r[0] for r in towns} == {"东关街道", "湾头镇"}
