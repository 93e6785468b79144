"""Outsider cases for assessment (contract: core/testing/cases.py). Rows are made directly in town B
(world.town_b); the outsider (town A, every role) must get nothing of them anywhere."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from assess.models import (
    AppointmentSuggestion,
    AssessReport,
    DualScore,
    IndicatorVersion,
    Result,
    Run,
    SchemeVersion,
    Score,
    StationedDispatch,
)
from core.testing.cases import ScopeCase
from core.testing.downloads import check_file_kind

B = "321002106000"
DAY = dt.date(2026, 3, 1)


def _stationed(world: Any) -> Any:
    from org.models import Unit

    home = Unit.objects.get_or_create(division_id="321002000000", name="广陵区市场监管局",
                                      defaults={"kind": "county_department"})[0]
    return Unit.objects.get_or_create(division=world.town_b, name="湾头镇市场监管所",
                                      defaults={"kind": "stationed", "home_department": home})[0]


def make_indicator(world: Any) -> IndicatorVersion:
    n = IndicatorVersion.objects.count()
    return IndicatorVersion.objects.create(division=world.town_b, code=f"b_rate_{n}", name="湾头镇自定指标",
                                           subject_type="town", numerator="region_closed",
                                           denominator="region_filed", valid_from=DAY)


def make_scheme(world: Any) -> SchemeVersion:
    n = SchemeVersion.objects.count()
    return SchemeVersion.objects.create(division=world.town_b, name="湾头镇方案", subject_type="town",
                                        valid_from=DAY + dt.timedelta(days=n), weights={"close_rate": 100},
                                        grades=[["A", 90], ["E", 0]])


def make_result(world: Any) -> Result:
    indicator = make_indicator(world)
    return Result.objects.create(division=world.town_b, subject_type="town", subject_key=B, subject_name="湾头镇",
                                 period_kind="month", period_start=DAY, period_end=dt.date(2026, 4, 1),
                                 indicator=indicator, code=indicator.code, numerator=1, denominator=2,
                                 value=Decimal("0.5"), as_of=timezone.now())


def make_score(world: Any) -> Score:
    return Score.objects.create(division=world.town_b, subject_type="town", subject_key=B, subject_name="湾头镇",
                                period_kind="month", period_start=DAY, scheme=make_scheme(world),
                                score=Decimal("66.5"), grade="C")


def make_run(world: Any) -> Run:
    return Run.objects.create(division=world.town_b, period_kind="month", period_start=DAY, status="done")


def make_dispatch(world: Any) -> StationedDispatch:
    return StationedDispatch.objects.create(division=world.town_b, unit=_stationed(world), task="湾头镇防汛值守",
                                            due_at=timezone.now() + dt.timedelta(days=1))


def make_suggestion(world: Any) -> AppointmentSuggestion:
    unit = _stationed(world)
    return AppointmentSuggestion.objects.create(division=world.town_b, unit=unit, department=unit.home_department,
                                                suggestion="湾头镇建议", answer_due=timezone.now() + dt.timedelta(days=3))


def make_dual(world: Any) -> DualScore:
    n = DualScore.objects.count()
    return DualScore.objects.create(division=world.town_b, unit=_stationed(world), year=2026 + n, assessor="town",
                                    score=Decimal("88"))


def make_report(world: Any) -> AssessReport:
    n = AssessReport.objects.count()
    return AssessReport.objects.create(division=world.town_b, kind="monthly", period_start=DAY + dt.timedelta(days=n),
                                       period_end=dt.date(2026, 4, 1), title="湾头镇考核月汇总", xlsx="assess/x.xlsx",
                                       pdf="assess/x.pdf")


def make_stored_report(world: Any) -> AssessReport:
    """Town B's report with both files really stored."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from core.testing.files import tiny_pdf

    report = make_report(world)
    report.pdf = default_storage.save("assess/reports/test.pdf", ContentFile(tiny_pdf("湾头镇")))
    report.xlsx = default_storage.save("assess/reports/test.xlsx", ContentFile(b"PK\x03\x04xlsx"))
    report.save()
    return report


def post_indicator(world: Any, target: Any) -> dict[str, Any]:
    return {"division": B, "code": "close_rate", "denominator": "region_dispatched", "valid_from": "2026-05-01"}


def post_scheme(world: Any, target: Any) -> dict[str, Any]:
    return {"division": B, "subject_type": "town", "weights": {"close_rate": 100}, "valid_from": "2026-05-01"}


def post_run(world: Any, target: Any) -> dict[str, Any]:
    return {"division": B, "period_kind": "month", "day": "2026-03-01"}


def post_dispatch(world: Any, target: Any) -> dict[str, Any]:
    return {"unit": target.unit_id, "task": "越权调度", "due_at": "2026-05-01T17:00:00+08:00"}


def post_suggestion(world: Any, target: Any) -> dict[str, Any]:
    return {"unit": target.unit_id, "suggestion": "越权建议"}


def post_dual(world: Any, target: Any) -> dict[str, Any]:
    return {"unit": target.unit_id, "year": 2030, "assessor": "town", "score": "50"}


def check_drill(world: Any, api: Any, session: Any, insider: Any) -> None:
    target = make_result(world)
    url = reverse("assess-result-drill", args=[target.pk])
    assert insider.get(url, {"part": "numerator"}).status_code == 200
    assert api.get(url, {"part": "numerator"}).status_code == 404
    page = reverse("assess:drill", args=[target.pk, "numerator"])
    assert session.get(page).status_code == 404


def check_complete(world: Any, api: Any, session: Any, insider: Any) -> None:
    target = make_dispatch(world)
    r = api.post(reverse("assess-dispatch-complete", args=[target.pk]), {"result": "越权"}, format="json")
    assert r.status_code == 404
    assert StationedDispatch.objects.get(pk=target.pk).completed_at is None


def check_answer(world: Any, api: Any, session: Any, insider: Any) -> None:
    target = make_suggestion(world)
    r = api.post(reverse("assess-suggestion-answer", args=[target.pk]), {"answer": "越权"}, format="json")
    assert r.status_code == 404
    assert AppointmentSuggestion.objects.get(pk=target.pk).answered_at is None


def check_compliance(world: Any, api: Any, session: Any, insider: Any) -> None:
    assert api.get(reverse("assess-compliance"), {"division": B}).status_code == 404
    assert insider.get(reverse("assess-compliance"), {"division": B}).status_code == 200
    own = api.get(reverse("assess-compliance")).json()
    assert own["town"] == world.outsider.division_id
    assert session.get(reverse("assess:compliance", args=[B])).status_code == 404
    assert session.get(reverse("assess:compliance-table"), {"division": "321002000000"}).status_code == 404
    assert "湾头" not in session.get(reverse("assess:compliance-table")).content.decode()


def check_dashboard(world: Any, api: Any, session: Any, insider: Any) -> None:
    make_score(world)
    assert api.get(reverse("assess-dashboard"), {"division": B}).status_code == 404
    assert api.get(reverse("assess-dashboard"), {"division": "321002000000"}).status_code == 404
    data = api.get(reverse("assess-dashboard"), {"day": "2026-03-01"}).json()
    assert data["ranking"] == []
    assert insider.get(reverse("assess-dashboard"), {"day": "2026-03-01"}).json()["ranking"][0]["code"] == B
    assert session.get(reverse("assess:dashboard"), {"division": B}).status_code == 404
    assert "湾头镇" not in session.get(reverse("assess:dashboard"), {"day": "2026-03-01"}).content.decode()


def check_results_page(world: Any, api: Any, session: Any, insider: Any) -> None:
    make_result(world)
    assert session.get(reverse("assess:results"), {"division": B}).status_code == 404
    html = session.get(reverse("assess:results"), {"day": "2026-03-01", "subject_type": "town"}).content.decode()
    assert "湾头镇" not in html
    assert session.get(reverse("assess:town", args=[B])).status_code == 404


def check_reports_page(world: Any, api: Any, session: Any, insider: Any) -> None:
    make_report(world)
    assert "湾头镇考核月汇总" not in session.get(reverse("assess:reports")).content.decode()
    count = AssessReport.objects.count()
    assert session.post(reverse("assess:reports") + f"?division={B}", {"kind": "monthly"}).status_code == 404
    assert AssessReport.objects.count() == count


def check_runs_page(world: Any, api: Any, session: Any, insider: Any) -> None:
    make_run(world)
    assert B not in session.get(reverse("assess:runs")).content.decode()
    count = Run.objects.count()
    assert session.post(reverse("assess:runs") + f"?division={B}", {"period_kind": "month",
                                                                    "day": "2026-03-01"}).status_code == 404
    assert Run.objects.count() == count


def check_config_page(world: Any, api: Any, session: Any, insider: Any) -> None:
    make_scheme(world)
    make_indicator(world)
    html = session.get(reverse("assess:config")).content.decode()
    assert "湾头镇自定指标" not in html and "湾头镇方案" not in html


def check_stationed_page(world: Any, api: Any, session: Any, insider: Any) -> None:
    make_dispatch(world)
    make_suggestion(world)
    html = session.get(reverse("assess:stationed")).content.decode()
    assert "湾头镇防汛值守" not in html and "湾头镇建议" not in html


CASES = [
    ScopeCase(model=IndicatorVersion, make=make_indicator, api_list="assess-indicator-list",
              api_detail="assess-indicator-detail", writable=False, post_payload=post_indicator),
    ScopeCase(model=SchemeVersion, make=make_scheme, api_list="assess-scheme-list", api_detail="assess-scheme-detail",
              writable=False, post_payload=post_scheme),
    ScopeCase(model=Result, make=make_result, api_list="assess-result-list", api_detail="assess-result-detail",
              writable=False),
    ScopeCase(model=Score, make=make_score, api_list="assess-score-list", api_detail="assess-score-detail",
              writable=False),
    ScopeCase(model=Run, make=make_run, api_list="assess-run-list", api_detail="assess-run-detail", writable=False,
              post_payload=post_run, pages=["assess:run"]),
    ScopeCase(model=StationedDispatch, make=make_dispatch, api_list="assess-dispatch-list",
              api_detail="assess-dispatch-detail", writable=False, post_payload=post_dispatch),
    ScopeCase(model=AppointmentSuggestion, make=make_suggestion, api_list="assess-suggestion-list",
              api_detail="assess-suggestion-detail", writable=False, post_payload=post_suggestion),
    ScopeCase(model=DualScore, make=make_dual, api_list="assess-dual-score-list", api_detail="assess-dual-score-detail",
              writable=False, post_payload=post_dual),
    ScopeCase(model=AssessReport, make=make_report, api_list="assess-report-list", api_detail="assess-report-detail",
              writable=False, pages=["assess:report"]),
]
URL_CASES = {
    "assess-result-drill": check_drill,
    "assess:drill": check_drill,
    "assess-dispatch-complete": check_complete,
    "assess-suggestion-answer": check_answer,
    "assess-compliance": check_compliance,
    "assess:compliance": check_compliance,
    "assess:compliance-table": check_compliance,
    "assess-dashboard": check_dashboard,
    "assess:dashboard": check_dashboard,
    "assess:results": check_results_page,
    "assess:town": check_results_page,
    "assess:reports": check_reports_page,
    "files:assess-report": check_file_kind("assess-report", lambda world: make_stored_report(world), "pdf",
                                           lambda row: row.pdf),
    "assess:report": check_reports_page,
    "assess:runs": check_runs_page,
    "assess:config": check_config_page,
    "assess:stationed": check_stationed_page,
}
