"""The seeded indicators (DESIGN.md §4 and issue 14) and default schemes, as plain data.

Each row: code, name, subject type, numerator fact, denominator fact, direction. The facts are
documented in `assess.facts`. Seeded for a city from 2000-01-01 by `services.indicators_seed`; a
county changes a definition or a weight by adding its own version from a date.
"""
from __future__ import annotations

from assess.choices import Direction, SubjectType

ST, H, L = SubjectType, Direction.HIGHER, Direction.LOWER

INDICATORS: list[tuple[str, str, str, str, str, str]] = [
    # grid worker
    ("valid_report_rate", "有效上报率", ST.GRID_WORKER, "worker_reports_valid", "worker_reports", H),
    ("verify_due_on_time_rate", "按时核实率", ST.GRID_WORKER, "worker_verify_due_on_time", "worker_verify_due", H),
    ("verification_on_time_rate", "按时核查率", ST.GRID_WORKER, "worker_verifications_on_time",
     "worker_verifications", H),
    ("missed_report_rate", "漏报率", ST.GRID_WORKER, "grid_missed", "grid_filed", L),
    ("patrol_coverage", "巡查覆盖率", ST.GRID_WORKER, "patrol_grid_days", "grid_days_due", H),
    # command centre
    ("accept_on_time_rate", "按时受理率", ST.CENTRE, "reports_accepted_on_time", "reports", H),
    ("dispatch_on_time_rate", "按时派遣率", ST.CENTRE, "filed_dispatched_on_time", "filed", H),
    ("dispatch_accuracy", "准确派遣率", ST.CENTRE, "dispatches_kept", "dispatches", H),
    # handling unit
    ("handle_rate", "处置率", ST.UNIT, "unit_handled", "unit_dispatched", H),
    ("handle_on_time_rate", "按期处置率", ST.UNIT, "unit_handled_on_time", "unit_dispatched", H),
    ("rework_rate", "返工率", ST.UNIT, "unit_reworked", "unit_dispatched", L),
    ("overdue_rate", "超期率", ST.UNIT, "unit_overdue", "unit_dispatched", L),
    ("extension_rate", "延期率", ST.UNIT, "unit_extended", "unit_dispatched", L),
    ("return_rate", "退单率", ST.UNIT, "unit_returned", "unit_dispatched", L),
    # stationed body (调度权)
    ("stationed_task_on_time_rate", "调度任务按时完成率", ST.STATIONED, "stationed_tasks_on_time",
     "stationed_tasks", H),
    # regions
    *[(f"{p}close_rate", "结案率", t, "region_closed", "region_filed", H) for p, t in (("", ST.TOWN),
                                                                                     ("county_", ST.COUNTY))],
    *[(f"{p}close_on_time_rate", "按期结案率", t, "region_closed_on_time", "region_filed", H)
      for p, t in (("", ST.TOWN), ("county_", ST.COUNTY))],
    *[(f"{p}satisfaction_rate", "群众满意率", t, "region_satisfied", "region_rated", H)
      for p, t in (("", ST.TOWN), ("county_", ST.COUNTY))],
    *[(f"{p}case_on_time_rate", "办件按期办结率", t, "cases_on_time", "cases_completed", H)
      for p, t in (("", ST.TOWN), ("county_", ST.COUNTY))],
]

# Events part 2 (issue 9): 超期率 from the sweep's red marks, 升级率, 乡呼县应. Seeded only once its
# rows exist (`facts.part2_available()`); 超期率 then counts red marks instead of inferring lateness.
PART2_INDICATORS: list[tuple[str, str, str, str, str, str]] = [
    ("overdue_rate", "超期率", ST.UNIT, "unit_red_marked", "unit_dispatched", L),
    ("call_report_in_rate", "乡呼县应报到率", ST.DEPARTMENT, "calls_reported_in_on_time", "calls_received", H),
    ("call_answer_on_time_rate", "乡呼县应按时答复率", ST.DEPARTMENT, "calls_answered_on_time", "calls_received", H),
    ("escalation_rate", "升级率", ST.TOWN, "region_escalated", "region_filed", L),
    ("county_escalation_rate", "升级率", ST.COUNTY, "region_escalated", "region_filed", L),
]
PART2_SCHEMES: list[tuple[str, str, dict[str, int]]] = [
    ("县级部门考核方案", ST.DEPARTMENT, {"call_report_in_rate": 20, "call_answer_on_time_rate": 30, "handle_rate": 20,
                                       "handle_on_time_rate": 30}),
]


def indicators(part2: bool) -> list[tuple[str, str, str, str, str, str]]:
    """The seed: with part 2, its rows replace the ones of the same code (超期率) and add the rest."""
    if not part2:
        return INDICATORS
    extra = {row[0]: row for row in PART2_INDICATORS}
    return [extra.pop(row[0], row) for row in INDICATORS] + list(extra.values())


def schemes(part2: bool) -> list[tuple[str, str, dict[str, int]]]:
    return SCHEMES + (PART2_SCHEMES if part2 else [])


SCHEMES: list[tuple[str, str, dict[str, int]]] = [
    ("网格员考核方案", ST.GRID_WORKER, {"valid_report_rate": 25, "verify_due_on_time_rate": 15,
                                      "verification_on_time_rate": 15, "missed_report_rate": 20,
                                      "patrol_coverage": 25}),
    ("指挥调度中心考核方案", ST.CENTRE, {"accept_on_time_rate": 35, "dispatch_on_time_rate": 35,
                                        "dispatch_accuracy": 30}),
    ("承办单位考核方案", ST.UNIT, {"handle_rate": 25, "handle_on_time_rate": 25, "rework_rate": 15,
                                  "overdue_rate": 15, "extension_rate": 10, "return_rate": 10}),
    ("乡镇（街道）考核方案", ST.TOWN, {"close_rate": 30, "close_on_time_rate": 30, "satisfaction_rate": 25,
                                      "case_on_time_rate": 15}),
    ("县（市、区）考核方案", ST.COUNTY, {"county_close_rate": 30, "county_close_on_time_rate": 30,
                                        "county_satisfaction_rate": 25, "county_case_on_time_rate": 15}),
    ("派驻机构考核方案", ST.STATIONED, {"handle_rate": 30, "handle_on_time_rate": 30,
                                      "stationed_task_on_time_rate": 40}),
]
STATIONED_TOWN_SHARE = 60
