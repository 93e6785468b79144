"""Weekly and monthly reports: the registered periodic tasks write xlsx and PDF (CJK text extractable)."""
import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from core.testing.commit import committed
from core.testing.world import build_world
from grids import tasks
from grids.models import Finding, GridReport, Patrol
from grids.tests import fixtures

pytestmark = pytest.mark.django_db


def _patrol_last_week(grid):  # noqa: ANN001, ANN202
    worker = fixtures.team_for(grid)
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    started = timezone.make_aware(dt.datetime.combine(monday, dt.time(9)))
    p = Patrol.objects.create(worker=worker, division_id=worker.division_id, grid=grid, started_at=started,
                              ended_at=started + dt.timedelta(minutes=40), status="ended", grids_covered=[grid.code])
    Finding.objects.create(patrol=p, grid=grid, category="environment", description="垃圾堆放", lng=1, lat=1,
                           found_at=started)


def test_weekly_task_writes_xlsx_and_pdf_with_chinese_text(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    world = build_world()
    fixtures.lay_out(world)
    _patrol_last_week(fixtures.grid_in("321002001000"))
    with committed():  # the files are written when each report's transaction commits
        assert tasks.weekly_grid_reports.call_local() == 3
    report = GridReport.objects.get(kind="weekly", division_id="321002001000")
    assert report.summary["patrols"] == 1 and report.summary["findings"] == 1
    wb = load_workbook(io.BytesIO(default_storage.open(report.xlsx).read()))
    assert wb.sheetnames[0] == "概况"
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row]
    assert "环境卫生" in cells and "巡查次数" in cells
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(default_storage.open(report.pdf).read())).pages)
    assert "东关街道网格巡查周分析" in text and "环境卫生" in text and "未巡查网格" in text
    fonts = str(PdfReader(io.BytesIO(default_storage.open(report.pdf).read())).pages[0]["/Resources"]["/Font"])
    assert "/F" in fonts  # an embedded TrueType subset
    api = APIClient()
    api.force_authenticate(world.users["county-user"])
    rows = api.get("/api/grids/reports/").json()["results"]
    assert any(r["title"] == report.title for r in rows)
    api.force_login(world.users["county-user"])  # the file address (core.downloads) takes a session or a token
    download = api.get(next(r for r in rows if r["title"] == report.title)["pdf_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == default_storage.open(report.pdf).read()  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/pdf" and download["Content-Disposition"].startswith("attachment;")
    old_pdf = report.pdf
    with committed():
        assert tasks.weekly_grid_reports.call_local() == 3  # rerun replaces, never duplicates
    assert GridReport.objects.filter(kind="weekly").count() == 3
    assert not default_storage.exists(old_pdf)  # the replaced file is gone, the new one is there
    assert default_storage.exists(GridReport.objects.get(pk=report.pk).pdf)


def test_monthly_task_covers_town_county_and_city(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    world = build_world()
    fixtures.lay_out(world)
    with committed():
        tasks.monthly_grid_reports.call_local()
    levels = set(GridReport.objects.filter(kind="monthly").values_list("division__level", flat=True))
    assert levels == {"town", "county", "city"}
    city = GridReport.objects.get(kind="monthly", division__level="city")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(default_storage.open(city.pdf).read())).pages)
    assert "扬州市网格巡查月汇总" in text and "广陵区" in text
