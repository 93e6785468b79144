"""SQLite plans every fact through the event's own rows (issue 14 at scale): a correlated subquery
that looks for a later step, a deadline mark or an escalation of the outer row's event must be
answered by an index on the event, never by the `(action, at)` index or a unit's index.

SQLite without statistics — the embedded default, where nothing runs ANALYZE — rated those
indexes as selective as `(event_id, seq)` and picked them, so each outer row read every step of
that action ever recorded: a month of a 135k-event dataset was still computing after 23 minutes,
one fact of a 167k-event dataset took more than 5 minutes (now 0.6 s). The test database has no
statistics either, so its plans are the ones that matter. No timing is asserted: the plan is.
"""
from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from assess import facts
from assess.periods import period_of
from assess.reports import SYSTEM
from assess.tests import world as W

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner (EXPLAIN QUERY PLAN)")]
MARCH = period_of("month", W.t(15, 12).date())
CITY = W.COUNTY[:4] + "00000000"
# what a correlated subquery must not use: it would read rows of every event instead of the outer one's
WRONG = ("events_step_action_at", "events_step_at_", "_unit_id_", "_actor_id_", "SCAN ")


def _plan(queryset: Any) -> list[tuple[int, str]]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [(int(row[1]), str(row[3])) for row in cursor.fetchall()]


def _subquery_rows(plan: list[tuple[int, str]]) -> list[str]:
    """The lines reading a table inside a correlated subquery (SQLite nests them under a
    `CORRELATED SCALAR SUBQUERY` line, so their parent is not the top level)."""
    return [detail for parent, detail in plan if parent and detail.startswith(("SEARCH", "SCAN"))]


@pytest.mark.parametrize("area", ["county", "city"])
def test_every_correlated_subquery_of_a_fact_reads_the_outer_event_only(area: str) -> None:
    start, end = MARCH.bounds()
    window = facts.Window(start, end, W.AS_OF, W.COUNTY if area == "county" else CITY, MARCH.days)
    checked = 0
    for code, fact in sorted(facts.FACTS.items()):
        for subject_type in fact.subject_types:
            keys = ("cty", "subj") if area == "city" and fact.by_county else ("subj",)
            qs = fact.build(window, subject_type).values(*keys).annotate(n=Count("fact_item", distinct=True)).order_by()
            rows = _subquery_rows(_plan(qs))
            bad = [r for r in rows if any(w in r for w in WRONG)]
            assert not bad, (code, subject_type, bad)
            checked += len(rows)
    assert checked > 20  # most facts have correlated subqueries: the test looked at them


def test_the_outer_rows_of_a_step_fact_come_from_the_action_and_time_index() -> None:
    start, end = MARCH.bounds()
    window = facts.Window(start, end, W.AS_OF, CITY, MARCH.days)
    qs = facts.get("region_closed").build(window, "town").values("cty", "subj").annotate(n=Count("fact_item"))
    top = [detail for parent, detail in _plan(qs.order_by()) if not parent and "events_step" in detail]
    assert top and "events_step_action_at (action=? AND at>? AND at<?)" in top[0]


@pytest.mark.parametrize("area", ["town", "county"])
def test_the_reports_worst_classes_read_each_events_own_close_step(area: str) -> None:
    """按期结案最差的事件类别 (assess/reports.py): the on-time close of each event is looked up in
    that event's steps — the `(action, at)` index made a county month of the 30-day demo take 208 s."""
    from assess import reports
    from divisions.models import Division

    W.build()
    division = Division.objects.get(code=W.A if area == "town" else W.COUNTY)
    rows = _subquery_rows(_plan(reports.worst_classes_query(division, MARCH)))
    assert rows, "the on-time close is a correlated subquery"
    for detail in rows:
        assert "(event_id=?)" in detail and not any(w in detail for w in WRONG), detail


def test_the_results_of_a_period_are_read_through_the_period_index() -> None:
    """The reports' and pages' `selectors.results_for(subject_type=…)`: the period's rows through
    `assess_result_period`, not every result of that subject type ever stored (what SQLite does
    without statistics when the subject type is a plain filter: the unique index starting with it)."""
    from django.test.utils import CaptureQueriesContext

    from assess import selectors
    from core.testing.world import build_world

    build_world()
    with CaptureQueriesContext(connection) as ctx:
        selectors.results_for(SYSTEM, period=MARCH, subject_type="town", division=W.COUNTY)
    sql = next(q["sql"] for q in ctx.captured_queries if 'FROM "assess_result"' in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = [str(row[3]) for row in cursor.fetchall() if "assess_result" in str(row[3])]
    assert plan and all("assess_result_period" in d for d in plan), plan
