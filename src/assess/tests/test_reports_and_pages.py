"""Reports: the monthly PDF's Chinese text extracts as real text; the Excel opens with openpyxl and its
figures match the results page. Pages: dashboard (ECharts, local assets), results, drill-down, town
page beside the county median, runs with progress."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook
from pypdf import PdfReader

from assess.models import Result, Run
from assess.periods import period_of
from assess.tests import world as W
from core.downloads import file_url
from core.testing.commit import committed

pytestmark = pytest.mark.django_db
MARCH = period_of("month", dt.date(2026, 3, 1))


@pytest.fixture
def aw() -> W.AssessWorld:
    return W.with_march_results()


def test_monthly_pdf_text_extracts_and_excel_figures_match_the_page(aw: W.AssessWorld, settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = str(tmp_path)
    report = W.march_county_report(aw)
    pdf_bytes = default_storage.open(report.pdf).read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)
    assert "广陵区考核月汇总（2026年3月）" in text
    for words in ("主要指标", "结案率", "按期结案率", "乡镇（街道）排名", "东关街道", "湾头镇"):
        assert words in text, words
    # the Excel: 结案率 pooled over the county's towns = (3 + 1) / (3 + 2); 按期结案率 (2 + 0) / 5
    wb = load_workbook(io.BytesIO(default_storage.open(report.xlsx).read()))
    sheet = wb["主要指标"]
    rows = {r[0]: r[1:4] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["结案率"] == (4, 5, "80.0%") and rows["按期结案率"] == (2, 5, "40.0%")
    # … and match the results page for the same month
    page = W.client(aw.users["cc"]).get("/assess/results/", {"division": W.COUNTY, "period_kind": "month",
                                                            "day": "2026-03-01", "subject_type": "town"}).content.decode()
    close = {r.subject_key: r for r in Result.objects.filter(code="close_rate")}
    for key in (W.A, W.B):
        r = close[key]
        assert f'/assess/results/{r.pk}/numerator/">{r.numerator}<' in page
        assert f'/assess/results/{r.pk}/denominator/">{r.denominator}<' in page
    assert sum(close[k].numerator for k in (W.A, W.B)) == rows["结案率"][0]
    assert sum(close[k].denominator for k in (W.A, W.B)) == rows["结案率"][1]
    # the page's own Excel export holds the same numbers (issue 13 item 4)
    got = W.client(aw.users["cc"]).get("/assess/results/", {"division": W.COUNTY, "period_kind": "month",
                                                           "day": "2026-03-01", "subject_type": "town",
                                                           "format": "xlsx"})
    exported = load_workbook(io.BytesIO(b"".join(got.streaming_content))).active  # type: ignore[attr-defined]
    closing = {(r[0], r[2], r[3]) for r in exported.iter_rows(min_row=3, values_only=True) if r[1] == "结案率"}
    assert closing == {(close[k].subject_name, close[k].numerator, close[k].denominator) for k in (W.A, W.B)}
    ranking = {r[1]: (r[2], r[3]) for r in wb["乡镇（街道）排名"].iter_rows(min_row=3, values_only=True)}
    assert ranking["东关街道"] == (82.5, "B")
    # downloads through the page
    c = W.client(aw.users["cc"])
    assert file_url("assess-report", report.pk, "pdf") in c.get("/assess/reports/", {"division": report.division_id}).content.decode()
    got = c.get(file_url("assess-report", report.pk, "pdf"))
    assert got.status_code == 200 and b"".join(got.streaming_content)[:4] == b"%PDF"  # type: ignore[attr-defined]


def test_dashboard_draws_with_local_echarts_and_ranks_the_towns(aw: W.AssessWorld) -> None:
    page = W.client(aw.users["leader"]).get("/assess/", {"division": W.COUNTY, "day": "2026-03-05"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in html and "/static/assess/dashboard.js" in html
    assert not re.search(r'src="https?://', html)   # nothing from outside the platform
    data = page.context["data"]
    assert [r["name"] for r in data["ranking"]] == ["东关街道", "湾头镇"]
    assert data["ranking"][0]["score"] == 82.5
    assert data["trend"]["close_rate"][-1]["value"] == 0.8
    assert data["grades"]["towns"] == {"B": 1, "E": 1} or sum(data["grades"]["towns"].values()) == 2


def test_drill_page_lists_the_events_and_town_page_shows_the_county_median(aw: W.AssessWorld) -> None:
    c = W.client(aw.users["cA"])
    r = Result.objects.get(code="dispatch_accuracy", subject_key=W.A)
    html = c.get(f"/assess/results/{r.pk}/denominator/").content.decode()
    for key in ("E1", "E3", "E6"):
        assert f"/events/{aw.events[key].pk}/" in html
    assert f"/events/{aw.events['E4'].pk}/" not in html
    town = c.get(f"/assess/towns/{W.A}/", {"day": "2026-03-01"})
    rows = {row["code"]: row for row in town.context["rows"]}
    # 结案率: 东关 1.0, 湾头 0.5 → median 0.75
    assert str(rows["close_rate"]["value"]) == "1.000000" and rows["close_rate"]["median"] == pytest.approx(0.75)
    assert c.get(f"/assess/towns/{W.B}/").status_code == 404   # another town is not his


def test_run_on_demand_shows_progress_to_done(aw: W.AssessWorld) -> None:
    c = W.client(aw.users["cc"])
    with committed():
        got = c.post("/assess/runs/", {"division": W.COUNTY, "period_kind": "month", "day": "2026-02-10"})
    assert got.status_code == 302
    run = Run.objects.get()
    assert (run.status, run.done, run.total, run.percent) == ("done", 1, 1, 100)
    fragment = c.get(f"/assess/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in fragment and "hx-trigger" not in fragment
