"""Facts: named, documented counts over recorded rows — the numerators and denominators of indicators.

An indicator (`assess.models.IndicatorVersion`) names two facts; a fact is code here because it
is a query, but it is chosen by name, so a county changes a definition by pointing a new version
at another fact (configuration), never by editing the past.

Every fact is **set-based**: `Fact.build(window, subject_type)` returns one queryset annotated
with `subject` (the key of the subject the row counts for) and `fact_item` (the event, patrol, case or
dispatch id it counts), and `counts()` turns it into one `GROUP BY subject` aggregate
(`COUNT(DISTINCT item)`). Nothing is computed per event in Python.

**As of.** Facts read the append-only history (event steps, patrols, cases, dispatches) up to
`window.as_of` only: a step recorded after a result was computed does not change what that result
counts. So a stored result is reproducible (`drill()` re-runs the same query with its stored
`as_of` and version) and a late fact is visible only to a later computation, which stores a new
revision. Event columns read besides the steps (`town`, `county`, `grid`, `channel`, `reporter`,
`due_at`) are set at the report; `due_at` moves with an approved extension (so a drill-down of a
result computed before an extension was approved uses the extended deadline; the stored figures
do not change).

**On time.** A step is on time when its time is not after the due time carried by the step just
before it (`Step.due_at` is "the due time of the next step", `events.lifecycle` column `due`): 受理
against the report's 受理 limit, 派遣 against 立案's 派遣 limit, 处置反馈 against the deadline in force
(dispatch, approved extension or a failed 核查's rework limit), 核查 against the feedback's limit.

Subjects: `grid_worker` = `grids.GridWorker` id; `centre` = the division code of the command centre
of the step's level (town or county); `unit`/`department`/`stationed` = `org.Unit` id (for a
dispatch: the unit dispatched to, `Step.data.unit.id`); `town`/`county` = division code.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Concat, Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assess.choices import SubjectType

ST = SubjectType


@dataclass(frozen=True)
class Window:
    """What a computation reads: `[start, end)` of the period, facts recorded up to `as_of`,
    inside `county` (a 12-digit county code). `days` is the period's length in days."""

    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    county: str
    days: int


@dataclass(frozen=True)
class Fact:
    code: str
    label: Any                       # Chinese name (gettext_lazy)
    doc: str                         # what is counted, precisely
    item: str                        # what one counted item is: event, patrol, case, dispatch, grid, call
    subject_types: tuple[str, ...]
    build: Callable[[Window, str], QuerySet]
    # multiply the distinct count by the period's days (grid-days due)
    per_day: bool = False


FACTS: dict[str, Fact] = {}


def fact(code: str, label: Any, item: str, subject_types: tuple[str, ...], *, per_day: bool = False) -> Callable:
    def register(fn: Callable[[Window, str], QuerySet]) -> Callable[[Window, str], QuerySet]:
        FACTS[code] = Fact(code, label, (fn.__doc__ or "").strip(), item, subject_types, fn, per_day)
        return fn
    return register


def get(code: str) -> Fact:
    from core.errors import PlatformError

    if code not in FACTS:
        raise PlatformError(f"未知的统计口径：{code}", code="unknown_fact", fields={"fact": [code]})
    return FACTS[code]


def counts(code: str, window: Window, subject_type: str) -> dict[str, int]:
    """{subject key: count} for one fact — one aggregate query."""
    f = get(code)
    rows = f.build(window, subject_type).values("subj").annotate(n=Count("fact_item", distinct=True)).order_by()
    out = {str(r["subj"]): int(r["n"]) * (window.days if f.per_day else 1)
           for r in rows if r["subj"] is not None}
    return out


def items(code: str, window: Window, subject_type: str, subject: str) -> list[Any]:
    """The ids behind one subject's count (drill-down), sorted."""
    f = get(code)
    qs = f.build(window, subject_type).filter(subj=_typed_key(subject_type, subject))
    return sorted(set(qs.values_list("fact_item", flat=True).order_by()))


def _typed_key(subject_type: str, key: str) -> Any:
    if subject_type in (ST.GRID_WORKER, ST.UNIT, ST.DEPARTMENT, ST.STATIONED):
        return int(key)
    return key


# ---------------------------------------------------------------- building blocks

def _models() -> tuple[Any, Any]:
    from events.models import Event, Step

    return Event, Step


def _steps(w: Window, action: str | tuple[str, ...], **filters: Any) -> QuerySet:
    """Steps of `action` taken in the period (and known at as_of) on events of the county."""
    _, Step = _models()
    actions = (action,) if isinstance(action, str) else action
    return Step.objects.filter(action__in=actions, event__county_id=w.county, at__gte=w.start, at__lt=w.end,
                               at__lte=w.as_of, **filters)


def _later(w: Window, action: str | tuple[str, ...], **filters: Any) -> QuerySet:
    """Steps of `action` on the outer step's event, after it, known at as_of (for Exists)."""
    _, Step = _models()
    actions = (action,) if isinstance(action, str) else action
    return Step.objects.filter(event_id=OuterRef("event_id"), seq__gt=OuterRef("seq"), action__in=actions,
                               at__lte=w.as_of, **filters)


def _prev_due() -> Subquery:
    """The due time carried by the step just before (see "On time" above)."""
    _, Step = _models()
    return Subquery(Step.objects.filter(event_id=OuterRef("event_id"), seq=OuterRef("seq") - 1).values("due_at")[:1])


def _centre_key() -> Case:
    return Case(When(level="town", then=F("event__town_id")), When(level="county", then=F("event__county_id")),
                default=Value(None), output_field=CharField())


def _region_key(subject_type: str, prefix: str = "event__") -> F:
    return F(f"{prefix}town_id") if subject_type == ST.TOWN else F(f"{prefix}county_id")


def _dispatched_unit() -> Cast:
    return Cast(KT("data__unit__id"), IntegerField())


def _unit_kind_filter(subject_type: str) -> dict[str, str]:
    if subject_type == ST.DEPARTMENT:
        return {"event__unit__kind": "county_department"}
    if subject_type == ST.STATIONED:
        return {"event__unit__kind": "stationed"}
    return {}


# ---------------------------------------------------------------- command centre (受理, 派遣)

@fact("reports", _("上报事件数"), "event", (ST.CENTRE,))
def reports(w: Window, st: str) -> QuerySet:
    """Events reported in the period (the 上报 step), counted for the command centre of the level
    they were reported at (town or county centre)."""
    return _steps(w, "report").annotate(subj=_centre_key(), fact_item=F("event_id"))


@fact("reports_accepted_on_time", _("按时受理数"), "event", (ST.CENTRE,))
def reports_accepted_on_time(w: Window, st: str) -> QuerySet:
    """Of `reports`: those the centre decided on (受理 or 不予受理) no later than the report's 受理
    time limit (the report step's due time)."""
    decided = _later(w, ("accept", "reject")).filter(at__lte=OuterRef("due_at"))
    return reports(w, st).filter(Exists(decided))


@fact("filed", _("立案事件数"), "event", (ST.CENTRE,))
def filed(w: Window, st: str) -> QuerySet:
    """Events filed (立案) in the period, for the centre of the level they were filed at."""
    return _steps(w, "file").annotate(subj=_centre_key(), fact_item=F("event_id"))


@fact("filed_dispatched_on_time", _("按时派遣数"), "event", (ST.CENTRE,))
def filed_dispatched_on_time(w: Window, st: str) -> QuerySet:
    """Of `filed`: those dispatched (派遣) no later than the 派遣 time limit carried by the 立案 step."""
    return filed(w, st).filter(Exists(_later(w, "dispatch").filter(at__lte=OuterRef("due_at"))))


@fact("dispatches", _("派遣事件数"), "event", (ST.CENTRE,))
def dispatches(w: Window, st: str) -> QuerySet:
    """Events dispatched (派遣) in the period, for the centre of the dispatch step's level."""
    return _steps(w, "dispatch").annotate(subj=_centre_key(), fact_item=F("event_id"))


@fact("dispatches_kept", _("派遣未被退单数"), "event", (ST.CENTRE,))
def dispatches_kept(w: Window, st: str) -> QuerySet:
    """Of `dispatches`: events no dispatch of which in the period was returned by the unit (退单,
    a wrong dispatch). An event dispatched, returned and dispatched again counts as returned."""
    _, Step = _models()
    returned = Step.objects.filter(event_id=OuterRef("event_id"), action="dispatch", at__gte=w.start, at__lt=w.end,
                                   at__lte=w.as_of).filter(Exists(_later(w, "return")))
    return dispatches(w, st).exclude(Exists(returned))


# ---------------------------------------------------------------- handling units (处置)

def _unit_dispatches(w: Window, st: str) -> QuerySet:
    return _steps(w, "dispatch", **_unit_kind_filter(st)).annotate(subj=_dispatched_unit(), fact_item=F("event_id"))


@fact("unit_dispatched", _("派遣给本单位的事件数（应处置数）"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_dispatched(w: Window, st: str) -> QuerySet:
    """Events dispatched to the unit in the period (the unit named by the 派遣 step)."""
    return _unit_dispatches(w, st)


@fact("unit_handled", _("处置反馈数"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_handled(w: Window, st: str) -> QuerySet:
    """Of `unit_dispatched`: events the unit fed back as handled (处置反馈 by a member of that unit)
    after the dispatch, by as_of."""
    return _unit_dispatches(w, st).filter(Exists(_later(w, "feedback").filter(unit_id=OuterRef("subj"))))


@fact("unit_handled_on_time", _("按期处置数"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_handled_on_time(w: Window, st: str) -> QuerySet:
    """Of `unit_dispatched`: events the unit fed back no later than the deadline in force (the due
    time carried by the step before the feedback: dispatch, approved extension or rework)."""
    on_time = _later(w, "feedback").filter(unit_id=OuterRef("subj")).annotate(
        prev_due=_prev_due()).filter(at__lte=F("prev_due"))
    return _unit_dispatches(w, st).filter(Exists(on_time))


@fact("unit_reworked", _("返工事件数"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_reworked(w: Window, st: str) -> QuerySet:
    """Of `unit_dispatched`: events the unit fed back and whose handling then failed 核查 at least
    once (返工). A unit that returned the event without handling it has no rework."""
    mine = _later(w, "feedback").filter(unit_id=OuterRef("subj"))
    return _unit_dispatches(w, st).filter(Exists(mine), Exists(_later(w, "verify", outcome="failed")))


@fact("unit_overdue", _("超期事件数"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_overdue(w: Window, st: str) -> QuerySet:
    """Of `unit_dispatched`: events the unit fed back after the deadline in force, or has neither
    fed back nor returned while the event's deadline (办结时限) passed before as_of."""
    late = _later(w, "feedback").filter(unit_id=OuterRef("subj")).annotate(
        prev_due=_prev_due()).filter(at__gt=F("prev_due"))
    fed = _later(w, "feedback").filter(unit_id=OuterRef("subj"))
    returned = _later(w, "return").filter(unit_id=OuterRef("subj"))
    never = (~Exists(fed)) & (~Exists(returned))
    return _unit_dispatches(w, st).filter(Exists(late) | (never & Exists(
        _models()[0].objects.filter(pk=OuterRef("event_id"), due_at__lt=w.as_of))))


@fact("unit_extended", _("延期事件数"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_extended(w: Window, st: str) -> QuerySet:
    """Of `unit_dispatched`: events on which the unit asked for an extension (延期) after the
    dispatch and was granted one."""
    asked = _later(w, "extend", outcome="requested").filter(unit_id=OuterRef("subj"))
    return _unit_dispatches(w, st).filter(Exists(asked), Exists(_later(w, "extend", outcome="approved")))


@fact("unit_returned", _("退单事件数"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_returned(w: Window, st: str) -> QuerySet:
    """Of `unit_dispatched`: events the unit returned (退单) after the dispatch."""
    return _unit_dispatches(w, st).filter(Exists(_later(w, "return").filter(unit_id=OuterRef("subj"))))


# ---------------------------------------------------------------- regions (结案, 满意)

@fact("region_filed", _("应结案数（立案数）"), "event", (ST.TOWN, ST.COUNTY))
def region_filed(w: Window, st: str) -> QuerySet:
    """Events filed (立案) in the period in the town / county."""
    return _steps(w, "file").annotate(subj=_region_key(st), fact_item=F("event_id"))


@fact("region_closed", _("结案数"), "event", (ST.TOWN, ST.COUNTY))
def region_closed(w: Window, st: str) -> QuerySet:
    """Of `region_filed`: events closed (结案) by as_of."""
    return region_filed(w, st).filter(Exists(_later(w, "close")))


@fact("region_closed_on_time", _("按期结案数"), "event", (ST.TOWN, ST.COUNTY))
def region_closed_on_time(w: Window, st: str) -> QuerySet:
    """Of `region_filed`: events closed no later than their deadline (办结时限, extensions included)."""
    return region_filed(w, st).filter(Exists(_later(w, "close").filter(at__lte=OuterRef("event__due_at"))))


@fact("region_dispatched", _("派遣数"), "event", (ST.TOWN, ST.COUNTY))
def region_dispatched(w: Window, st: str) -> QuerySet:
    """Events dispatched (派遣) in the period in the town / county (an alternative 结案率 denominator)."""
    return _steps(w, "dispatch").annotate(subj=_region_key(st), fact_item=F("event_id"))


@fact("region_dispatched_closed", _("派遣后结案数"), "event", (ST.TOWN, ST.COUNTY))
def region_dispatched_closed(w: Window, st: str) -> QuerySet:
    """Of `region_dispatched`: events closed by as_of."""
    return region_dispatched(w, st).filter(Exists(_later(w, "close")))


@fact("region_rated", _("评价数"), "event", (ST.TOWN, ST.COUNTY))
def region_rated(w: Window, st: str) -> QuerySet:
    """Events rated (评价) in the period in the town / county."""
    return _steps(w, "rate").annotate(subj=_region_key(st), fact_item=F("event_id"))


@fact("region_satisfied", _("满意数"), "event", (ST.TOWN, ST.COUNTY))
def region_satisfied(w: Window, st: str) -> QuerySet:
    """Of `region_rated`: ratings of 4 or 5 (满意、很满意)."""
    return region_rated(w, st).annotate(rating_value=Cast(KT("data__rating"), IntegerField())).filter(
        rating_value__gte=4)


@fact("cases_completed", _("办结办件数"), "case", (ST.TOWN, ST.COUNTY))
def cases_completed(w: Window, st: str) -> QuerySet:
    """Cases (办件) completed in the period in the town / county."""
    from flows.models import Case as FlowCase

    key: Any = F("division_id") if st == ST.TOWN else Concat(Substr("division_id", 1, 6), Value("000000"),
                                                                 output_field=CharField())
    return FlowCase.objects.filter(division__code__startswith=w.county[:6], completed_at__gte=w.start,
                                   completed_at__lt=w.end, completed_at__lte=w.as_of).annotate(
        subj=key, fact_item=F("pk"))


@fact("cases_on_time", _("按期办结办件数"), "case", (ST.TOWN, ST.COUNTY))
def cases_on_time(w: Window, st: str) -> QuerySet:
    """Of `cases_completed`: cases none of whose steps was completed after its time limit."""
    from flows.models import CaseStep

    return cases_completed(w, st).exclude(Exists(CaseStep.objects.filter(case_id=OuterRef("pk"), overdue=True)))


# ---------------------------------------------------------------- grid workers (上报, 核查, 漏报, 巡查)

def _worker_reports(w: Window) -> QuerySet:
    return _steps(w, "report", event__channel__in=("grid", "patrol"), event__reporter__isnull=False).annotate(
        subj=F("event__reporter__grid_workers__id"), fact_item=F("event_id"))


@fact("worker_reports", _("上报数"), "event", (ST.GRID_WORKER,))
def worker_reports(w: Window, st: str) -> QuerySet:
    """Events the grid worker reported in the period (channels 网格员上报 and 巡查发现)."""
    return _worker_reports(w)


@fact("worker_reports_valid", _("有效上报数"), "event", (ST.GRID_WORKER,))
def worker_reports_valid(w: Window, st: str) -> QuerySet:
    """Of `worker_reports`: reports the centre accepted (受理) by as_of (not 不予受理, not pending)."""
    return _worker_reports(w).filter(Exists(_later(w, "accept")))


def _verify_due(w: Window) -> QuerySet:
    _, Step = _models()
    return Step.objects.filter(action="feedback", event__county_id=w.county, due_at__gte=w.start, due_at__lt=w.end,
                               at__lte=w.as_of, event__channel__in=("grid", "patrol"),
                               event__reporter__isnull=False).annotate(
        subj=F("event__reporter__grid_workers__id"), fact_item=F("event_id"))


@fact("worker_verify_due", _("应核实数"), "event", (ST.GRID_WORKER,))
def worker_verify_due(w: Window, st: str) -> QuerySet:
    """Handling feedbacks on the worker's own reports whose 核查 time limit falls in the period
    (the worker must confirm on site that the problem is solved)."""
    return _verify_due(w)


@fact("worker_verify_due_on_time", _("按时核实数"), "event", (ST.GRID_WORKER,))
def worker_verify_due_on_time(w: Window, st: str) -> QuerySet:
    """Of `worker_verify_due`: those the reporting worker checked (核查, passed or failed) by the limit."""
    done = _later(w, "verify").filter(actor_id=OuterRef("event__reporter_id"), at__lte=OuterRef("due_at"))
    return _verify_due(w).filter(Exists(done))


def _verifications(w: Window) -> QuerySet:
    return _steps(w, "verify", actor__grid_workers__isnull=False).annotate(
        subj=F("actor__grid_workers__id"), fact_item=F("event_id"))


@fact("worker_verifications", _("核查数"), "event", (ST.GRID_WORKER,))
def worker_verifications(w: Window, st: str) -> QuerySet:
    """核查 steps the grid worker took in the period."""
    return _verifications(w)


@fact("worker_verifications_on_time", _("按时核查数"), "event", (ST.GRID_WORKER,))
def worker_verifications_on_time(w: Window, st: str) -> QuerySet:
    """Of `worker_verifications`: those taken no later than the feedback's 核查 limit."""
    return _verifications(w).annotate(prev_due=_prev_due()).filter(at__lte=F("prev_due"))


def _grid_filed(w: Window) -> QuerySet:
    return _steps(w, "file", event__grid__isnull=False).annotate(
        subj=F("event__grid__memberships__worker_id"), fact_item=F("event_id"))


@fact("grid_filed", _("网格内立案数"), "event", (ST.GRID_WORKER,))
def grid_filed(w: Window, st: str) -> QuerySet:
    """Events filed (立案) in the period located in a grid the worker belongs to (head, member or cadre)."""
    return _grid_filed(w)


@fact("grid_missed", _("漏报数"), "event", (ST.GRID_WORKER,))
def grid_missed(w: Window, st: str) -> QuerySet:
    """Of `grid_filed`: events first reported by someone outside that grid's team (a citizen, the
    12345 hotline, a device, another grid's worker) — the grid's own team did not find them."""
    from grids.models import GridMembership

    own = GridMembership.objects.filter(grid_id=OuterRef("event__grid_id"), worker__user_id=OuterRef("event__reporter_id"))
    return _grid_filed(w).exclude(Exists(own))


@fact("patrol_grid_days", _("已巡查网格·日"), "patrol", (ST.GRID_WORKER,))
def patrol_grid_days(w: Window, st: str) -> QuerySet:
    """Distinct (grid, local day) pairs in the period on which the worker started a patrol of one of
    their own grids (the patrol's main grid)."""
    from grids.models import GridMembership, Patrol

    mine = GridMembership.objects.filter(worker_id=OuterRef("worker_id"), grid_id=OuterRef("grid_id"))
    day = TruncDate("started_at", tzinfo=timezone.get_default_timezone())
    return Patrol.objects.filter(division__code__startswith=w.county[:6], started_at__gte=w.start, started_at__lt=w.end,
                                 started_at__lte=w.as_of).filter(Exists(mine)).annotate(
        subj=F("worker_id"),
        fact_item=Concat(Cast("grid_id", CharField()), Value("@"), Cast(day, CharField()), output_field=CharField()))


@fact("grid_days_due", _("应巡查网格·日"), "grid", (ST.GRID_WORKER,), per_day=True)
def grid_days_due(w: Window, st: str) -> QuerySet:
    """The worker's grids (active, as now) times the days of the period (日巡查: every grid, every day)."""
    from grids.models import GridMembership

    return GridMembership.objects.filter(grid__division__code__startswith=w.county[:6], grid__status="active").annotate(
        subj=F("worker_id"), fact_item=F("grid_id"))


# ---------------------------------------------------------------- stationed bodies (调度权)

def _tasks(w: Window, st: str) -> QuerySet:
    from assess.models import StationedDispatch

    return StationedDispatch.objects.filter(division__code__startswith=w.county[:6], due_at__gte=w.start,
                                            due_at__lt=w.end, created_at__lte=w.as_of).annotate(
        subj=F("unit_id"), fact_item=F("pk"))


@fact("stationed_tasks", _("调度任务数"), "dispatch", (ST.STATIONED,))
def stationed_tasks(w: Window, st: str) -> QuerySet:
    """Tasks the host town dispatched to the stationed body (调度权) falling due in the period."""
    return _tasks(w, st)


@fact("stationed_tasks_on_time", _("按时完成调度任务数"), "dispatch", (ST.STATIONED,))
def stationed_tasks_on_time(w: Window, st: str) -> QuerySet:
    """Of `stationed_tasks`: tasks completed by their due time (recorded by as_of)."""
    return _tasks(w, st).filter(completed_at__isnull=False, completed_at__lte=F("due_at")).filter(
        completed_at__lte=w.as_of)


# ---------------------------------------------------------------- events part 2: marks, escalations, town calls

def part2_available() -> bool:
    """True once events part 2 (issue 9: deadline marks, escalations, 乡呼县应 rows) is installed."""
    from django.apps import apps

    label = "events.CallDepartment"
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def _part2(name: str) -> Any:
    from django.apps import apps

    return apps.get_model("events", name)


@fact("unit_red_marked", _("红牌超期事件数"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_red_marked(w: Window, st: str) -> QuerySet:
    """Of `unit_dispatched`: events the deadline sweep marked red (超期) while the unit held them
    (a `DeadlineMark` of colour red naming the unit, recorded by as_of)."""
    marks = _part2("DeadlineMark").objects.filter(event_id=OuterRef("event_id"), colour="red",
                                                  unit_id=OuterRef("subj"), at__lte=w.as_of)
    return _unit_dispatches(w, st).filter(Exists(marks))


@fact("region_escalated", _("升级事件数"), "event", (ST.TOWN, ST.COUNTY))
def region_escalated(w: Window, st: str) -> QuerySet:
    """Of `region_filed`: events escalated one level up (超期 or an unanswered town call) by as_of."""
    escalations = _part2("Escalation").objects.filter(event_id=OuterRef("event_id"), at__lte=w.as_of)
    return region_filed(w, st).filter(Exists(escalations))


def _calls(w: Window) -> QuerySet:
    return _part2("CallDepartment").objects.filter(
        call__event__county_id=w.county, call__at__gte=w.start, call__at__lt=w.end, call__at__lte=w.as_of).annotate(
        subj=F("unit_id"), fact_item=F("pk"))


@fact("calls_received", _("被呼叫次数"), "call", (ST.DEPARTMENT,))
def calls_received(w: Window, st: str) -> QuerySet:
    """乡呼县应: the department's calls (one per call and called department) made in the period."""
    return _calls(w)


@fact("calls_reported_in_on_time", _("按时报到次数"), "call", (ST.DEPARTMENT,))
def calls_reported_in_on_time(w: Window, st: str) -> QuerySet:
    """Of `calls_received`: calls the department reported in to (报到) by the report-in limit."""
    return _calls(w).filter(reported_in_at__isnull=False, reported_in_at__lte=F("report_in_due")).filter(
        reported_in_at__lte=w.as_of)


@fact("calls_answered_on_time", _("按时答复次数"), "call", (ST.DEPARTMENT,))
def calls_answered_on_time(w: Window, st: str) -> QuerySet:
    """Of `calls_received`: calls the department answered (答复) by the answer limit."""
    return _calls(w).filter(answered_at__isnull=False, answered_at__lte=F("answer_due")).filter(
        answered_at__lte=w.as_of)
