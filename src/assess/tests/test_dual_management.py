"""双重管理: the host town's share of a stationed body's score is at least 50 % (a scheme with 49 % is
refused naming the rule, 50 % accepted); 调度权 records count in the score; 任免建议 unanswered in
time are flagged; scores and grades from a scheme."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from assess import selectors, services
from assess.choices import TOWN_SHARE_RULE
from assess.models import AppointmentSuggestion, Score
from assess.periods import period_of
from assess.tests import world as W
from core.errors import PlatformError

pytestmark = pytest.mark.django_db
WEIGHTS = {"handle_rate": 30, "handle_on_time_rate": 30, "stationed_task_on_time_rate": 40}


def test_a_scheme_giving_the_host_town_49_percent_is_refused_and_50_accepted() -> None:
    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    reform, county = aw.users["reform"], aw.world.county
    with pytest.raises(PlatformError) as refused:
        services.scheme_version_create(user=reform, division=county, subject_type="stationed", weights=WEIGHTS,
                                       valid_from=dt.date(2027, 1, 1), town_share=49)
    assert refused.value.code == "town_share_below_rule" and TOWN_SHARE_RULE in refused.value.message
    with pytest.raises(PlatformError, match="属地乡镇考核权重"):
        services.scheme_version_create(user=reform, division=county, subject_type="stationed", weights=WEIGHTS,
                                       valid_from=dt.date(2027, 1, 1))
    scheme = services.scheme_version_create(user=reform, division=county, subject_type="stationed", weights=WEIGHTS,
                                            valid_from=dt.date(2027, 1, 1), town_share=50)
    assert scheme.town_share == 50


def test_the_api_refuses_49_with_the_rule_named() -> None:
    from rest_framework.test import APIClient

    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    client = APIClient()
    client.force_authenticate(aw.users["reform"])
    body = {"division": W.COUNTY, "subject_type": "stationed", "weights": WEIGHTS, "valid_from": "2027-01-01"}
    r = client.post("/api/assess/schemes/", {**body, "town_share": 49}, format="json")
    assert r.status_code == 400 and TOWN_SHARE_RULE in r.json()["error"]["message"]
    r = client.post("/api/assess/schemes/", {**body, "town_share": 50}, format="json")
    assert r.status_code == 201, r.content


def test_weights_must_sum_to_100_and_fit_the_subject() -> None:
    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    with pytest.raises(PlatformError, match="之和须为 100"):
        services.scheme_version_create(user=aw.users["reform"], division=aw.world.county, subject_type="town",
                                       weights={"close_rate": 60, "close_on_time_rate": 30},
                                       valid_from=dt.date(2027, 1, 1))
    with pytest.raises(PlatformError, match="不适用"):
        services.scheme_version_create(user=aw.users["reform"], division=aw.world.county, subject_type="town",
                                       weights={"close_rate": 50, "handle_rate": 50}, valid_from=dt.date(2027, 1, 1))


def test_annual_score_combines_the_two_sides_by_the_town_share() -> None:
    aw = W.build()
    services.indicators_seed(city=aw.world.city)   # seeded stationed scheme: town 60 %
    st = aw.units["st"]
    services.dual_score_record(user=aw.users["cB"], unit=st, year=2026, assessor="town", score=Decimal("90"))
    with pytest.raises(PlatformError) as wrong_side:
        services.dual_score_record(user=aw.users["cB"], unit=st, year=2026, assessor="department", score=Decimal("70"))
    assert wrong_side.value.status == 403
    market_user = aw.world.user("market", W.COUNTY, ["dept_handler"])
    market_user.unit = aw.units["market"]
    market_user.save()
    services.dual_score_record(user=market_user, unit=st, year=2026, assessor="department", score=Decimal("70"))
    annual = selectors.dual_annual(st, 2026)
    assert (annual.town_share, annual.total) == (60, Decimal("82.00"))   # 0.6 × 90 + 0.4 × 70
    # one of its staff, scored by both sides too
    from org.models import Staff

    person = Staff.objects.create(division_id=W.B, unit=st, name="王五", establishment="行政")
    services.dual_score_record(user=aw.users["cB"], unit=st, staff=person, year=2026, assessor="town",
                               score=Decimal("75"))
    services.dual_score_record(user=market_user, unit=st, staff=person, year=2026, assessor="department",
                               score=Decimal("100"))
    assert selectors.dual_annual(st, 2026, person).total == Decimal("85.00")   # 0.6 × 75 + 0.4 × 100
    with pytest.raises(PlatformError) as twice:
        services.dual_score_record(user=aw.users["cB"], unit=st, staff=person, year=2026, assessor="town",
                                   score=Decimal("80"))
    assert twice.value.status == 409


def test_dispatch_counts_and_an_unanswered_suggestion_is_flagged() -> None:
    aw = W.build()
    st, cB = aw.units["st"], aw.users["cB"]
    task = services.dispatch_record(user=cB, unit=st, task="节日市场检查", due_at=W.t(28, 17))
    assert task.division_id == W.B
    with pytest.raises(PlatformError) as outsider:
        services.dispatch_record(user=aw.users["cA"], unit=st, task="越权调度", due_at=W.t(28, 17))
    assert outsider.value.status == 404
    s = services.suggestion_create(user=cB, unit=st, suggestion="建议调整所长人选")
    assert s.department_id == aw.units["market"].pk and not s.overdue()
    assert s.overdue(s.answer_due + dt.timedelta(minutes=1))
    assert not AppointmentSuggestion.objects.get(pk=s.pk).answered_at
    with pytest.raises(PlatformError):
        services.suggestion_answer(user=cB, suggestion=s, answer="同意")   # only the home department answers
    assert timezone.now() < s.answer_due


def test_scores_and_grades_from_the_seeded_schemes() -> None:
    aw = W.build()
    services.indicators_seed(city=aw.world.city)
    services.results_compute(division=aw.world.county, period=period_of("month", dt.date(2026, 3, 1)), as_of=W.AS_OF)
    town_a = Score.objects.get(subject_type="town", subject_key=W.A)
    # 结案率 3/3 → 100 ×30; 按期结案率 2/3 → 66.67 ×30; 满意率 1/1 → 100 ×25; 办件按期 1/2 → 50 ×15
    # = (3000 + 2000.1 + 2500 + 750) / 100 = 82.50 → B
    assert (town_a.score, town_a.grade) == (Decimal("82.50"), "B")
    st = Score.objects.get(subject_type="stationed", subject_key=str(aw.units["st"].pk))
    # only 调度任务按时完成率 1/2 has a value (no event was dispatched to st) → 50 → D
    assert (st.score, st.grade) == (Decimal("50.00"), "D")
    uB = Score.objects.get(subject_type="unit", subject_key=str(aw.units["uB"].pk))
    # 处置率 0 ×25, 按期 0 ×25, 返工率 0/1 → 100 ×15, 超期率 1/1 → 0 ×15, 延期 0 → 100 ×10, 退单 0 → 100 ×10 = 35 → E
    # (with events part 2, 超期率 counts red marks: none in this world → 0/1 → 100 ×15 = 50 → D)
    from assess import facts

    assert (uB.score, uB.grade) == ((Decimal("50.00"), "D") if facts.part2_available() else (Decimal("35.00"), "E"))
