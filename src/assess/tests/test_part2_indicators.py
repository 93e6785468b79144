"""Indicators over events part 2's rows (issue 9): 超期率 from the sweep's red marks, 乡呼县应 report-in
and answer-on-time rates, 升级率 — hand-computed on tests/world.py plus the rows below."""
from __future__ import annotations

import datetime as dt

import pytest

from assess import facts, selectors, services
from assess.models import Result
from assess.periods import period_of
from assess.tests import world as W
from core import audit

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not facts.part2_available(), reason="events part 2 (issue 9) not installed yet")]
MARCH = period_of("month", dt.date(2026, 3, 1))


def _part2_rows(aw: W.AssessWorld) -> None:
    """E4 (uB, due t6 17:00): a red mark naming uB at t6 17:00, escalated to the county t7 9:00.
    E5: 湾头镇 calls dept and 广陵区市场监管局 on t20 10:00 (report in by t20 11:00, answer by t21 17:00):
    dept reports in t20 10:30 (on time) and answers t22 9:00 (late); the market department never does."""
    CallDepartment, DeadlineMark, Escalation, TownCall = (facts._part2(n) for n in (
        "CallDepartment", "DeadlineMark", "Escalation", "TownCall"))   # part 2's models (absent before it lands)
    e4, e5 = aw.events["E4"], aw.events["E5"]
    with audit.acting_as(name="test", source="test"):
        DeadlineMark.objects.create(event=e4, colour="red", due_at=W.t(6, 17), mark_at=W.t(6, 17), level="town",
                                    unit=aw.units["uB"], at=W.t(6, 17, 5))
        Escalation.objects.create(event=e4, cause="overdue", from_level="town", to_level="county", due_at=W.t(6, 17),
                                  at=W.t(7, 9))
        call = TownCall.objects.create(event=e5, reason="需要部门到场", called_by=aw.users["cB"], at=W.t(20, 10), seq=99)
        CallDepartment.objects.create(call=call, unit=aw.units["dept"], report_in_due=W.t(20, 11),
                                      answer_due=W.t(21, 17), reported_in_at=W.t(20, 10, 30), answered_at=W.t(22, 9),
                                      outcome="answered_late")
        CallDepartment.objects.create(call=call, unit=aw.units["market"], report_in_due=W.t(20, 11),
                                      answer_due=W.t(21, 17), outcome="unanswered", escalated_at=W.t(21, 17))


def test_part2_indicators_equal_the_hand_computed_values() -> None:
    aw = W.build()
    _part2_rows(aw)
    services.indicators_seed(city=aw.world.city)
    services.results_compute(division=aw.world.county, period=MARCH, as_of=W.AS_OF)
    got = {(r.code, r.subject_key): (r.numerator, r.denominator) for r in Result.objects.filter(
        code__in=["overdue_rate", "call_report_in_rate", "call_answer_on_time_rate", "escalation_rate",
                  "county_escalation_rate"])}
    uA, uB, dept, market = (str(aw.units[k].pk) for k in ("uA", "uB", "dept", "market"))
    assert got == {
        # 超期率 now counts red marks: only E4 (uB); dept's late rework feedback on E3 was never marked
        ("overdue_rate", uA): (0, 3), ("overdue_rate", uB): (1, 1), ("overdue_rate", dept): (0, 2),
        # 乡呼县应: one call each; dept reported in on time, answered late; the market department did neither
        ("call_report_in_rate", dept): (1, 1), ("call_report_in_rate", market): (0, 1),
        ("call_answer_on_time_rate", dept): (0, 1), ("call_answer_on_time_rate", market): (0, 1),
        # 升级率: filed A {E1, E3, E6}, B {E4, E5}; E4 escalated
        ("escalation_rate", W.A): (0, 3), ("escalation_rate", W.B): (1, 2), ("county_escalation_rate", W.COUNTY): (1, 5),
    }
    calls = Result.objects.get(code="call_report_in_rate", subject_key=market)
    assert len(selectors.drill(calls, "denominator").ids) == 1
    escalated = Result.objects.get(code="escalation_rate", subject_key=W.B)
    assert selectors.drill(escalated, "numerator").ids == [aw.events["E4"].pk]


def test_the_town_call_check_of_compliance() -> None:
    from assess import compliance

    aw = W.build()
    _part2_rows(aw)
    check = next(c for c in compliance.town_checks(aw.world.town_b, dt.date(2026, 3, 31)) if c.code == "town_calls")
    assert check.ok is False
    assert sorted(f.label for f in check.failures) == ["广陵区城市管理局", "广陵区市场监管局"]
