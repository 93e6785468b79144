"""What reaches a user is Chinese names, never codes or the developers' English (issue 14 follow-up):
the report's trend rows name the indicator, the configuration page describes every fact in Chinese
and names indicators in scheme weights, the run pages name the division, drill-down describes the
fact in Chinese."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook
from pypdf import PdfReader

from assess import facts
from assess.models import Result, Run
from assess.periods import period_of
from assess.tests import world as W
from core.testing.commit import committed

pytestmark = pytest.mark.django_db
MARCH = period_of("month", dt.date(2026, 3, 1))
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # an identifier such as close_on_time_rate


@pytest.fixture
def aw() -> W.AssessWorld:
    return W.with_march_results()


def test_report_trend_rows_name_the_indicators_in_excel_and_pdf(aw: W.AssessWorld, settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = str(tmp_path)
    report = W.march_county_report(aw)
    wb = load_workbook(io.BytesIO(default_storage.open(report.xlsx).read()))
    trend = list(wb["趋势（近6期）"].iter_rows(min_row=3, values_only=True))
    assert {r[1] for r in trend} == {"结案率", "按期结案率"}
    # the trend's last period is March: 结案率 (3 + 1) / (3 + 2) as on the 主要指标 sheet
    assert [r[2:5] for r in trend if r[1] == "结案率"][-1] == (4, 5, "80.0%")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(default_storage.open(report.pdf).read())).pages)
    assert "按期结案率" in text and not CODE.search(text), CODE.findall(text)


def test_config_page_describes_every_fact_in_chinese_and_names_weighted_indicators(aw: W.AssessWorld) -> None:
    for f in facts.FACTS.values():
        text = str(f.description)
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[A-Za-z`]", text.replace("12345", "")), f.code
        assert re.search(r"[\u4e00-\u9fff]", str(f.item_label)), f.code
    html = W.client(aw.users["cc"]).get("/assess/config/").content.decode()
    assert "Of `" not in html and "calls the department" not in html
    assert str(facts.FACTS["calls_received"].description) in html
    # scheme weights and indicators' numerators / denominators by name: 结案率 30%, 结案数 / 应结案数
    assert "结案率 30%" in html and "close_rate:" not in html
    assert "<td>结案数</td><td>应结案数（立案数）</td>" in html


def test_run_pages_name_the_division_not_its_code(aw: W.AssessWorld) -> None:
    c = W.client(aw.users["cc"])
    with committed():
        c.post("/assess/runs/", {"division": W.COUNTY, "period_kind": "month", "day": "2026-02-10"})
    run = Run.objects.get()
    page = c.get(f"/assess/runs/{run.pk}/").content.decode()
    assert "<h1>计算进度 · 广陵区</h1>" in page and W.COUNTY not in re.sub(r"<[^>]*>", "", page)  # text, not links
    listing = c.get("/assess/runs/", {"division": W.COUNTY}).content.decode()
    assert f'/assess/runs/{run.pk}/">广陵区</a>' in listing


def test_drill_page_describes_the_fact_in_chinese(aw: W.AssessWorld) -> None:
    r = Result.objects.get(code="dispatch_accuracy", subject_key=W.A)
    html = W.client(aw.users["cA"]).get(f"/assess/results/{r.pk}/denominator/").content.decode()
    assert str(facts.FACTS["dispatches"].description) in html
    assert "Events dispatched" not in html and "（dispatches）" not in html


def test_patrol_drill_names_the_grid_and_day_not_its_id(aw: W.AssessWorld) -> None:
    # w1 patrolled gA1 on 2 March (twice) and 3 March: two grid-days
    r = Result.objects.get(code="patrol_coverage", subject_key=str(aw.workers["w1"].pk))
    html = W.client(aw.users["cA"]).get(f"/assess/results/{r.pk}/numerator/").content.decode()
    grid = aw.grids["gA1"]
    assert html.count(f"{grid.code} {grid.name}") == 2 and "2026-03-02 已巡查" in html and "2026-03-03 已巡查" in html
    assert f"{grid.pk}@2026-03-02" not in html
