"""Facts over events: command centres (受理, 派遣), handling units (处置), regions (结案, 满意),
grid workers' reports and verifications, and events part 2 (red marks, escalations, 乡呼县应 calls).
Registered in `assess.facts.FACTS` on import; see the package docstring for the rules."""
from __future__ import annotations

from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from assess.facts import (
    ST,
    Window,
    _centre_key,
    _dispatched_unit,
    _later,
    _models,
    _off_index,
    _part2,
    _prev_due,
    _region_key,
    _steps,
    _unit_kind_filter,
    fact,
)

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
    returned = _off_index(Step.objects.filter(event_id=OuterRef("event_id"), at__gte=w.start, at__lt=w.end,
                                              at__lte=w.as_of), action="dispatch").filter(Exists(_later(w, "return")))
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

def _region_steps(w: Window, st: str, action: str) -> QuerySet:
    """Steps of `action` in the period, keyed by the town / county of their event."""
    return _steps(w, action).annotate(subj=_region_key(st), fact_item=F("event_id"))


@fact("region_filed", _("应结案数（立案数）"), "event", (ST.TOWN, ST.COUNTY))
def region_filed(w: Window, st: str) -> QuerySet:
    """Events filed (立案) in the period in the town / county."""
    return _region_steps(w, st, "file")


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
    return _region_steps(w, st, "dispatch")


@fact("region_dispatched_closed", _("派遣后结案数"), "event", (ST.TOWN, ST.COUNTY))
def region_dispatched_closed(w: Window, st: str) -> QuerySet:
    """Of `region_dispatched`: events closed by as_of."""
    return region_dispatched(w, st).filter(Exists(_later(w, "close")))


@fact("region_rated", _("评价数"), "event", (ST.TOWN, ST.COUNTY))
def region_rated(w: Window, st: str) -> QuerySet:
    """Events rated (评价) in the period in the town / county."""
    return _region_steps(w, st, "rate")


@fact("region_satisfied", _("满意数"), "event", (ST.TOWN, ST.COUNTY))
def region_satisfied(w: Window, st: str) -> QuerySet:
    """Of `region_rated`: ratings of 4 or 5 (满意、很满意)."""
    return region_rated(w, st).annotate(rating_value=Cast(KT("data__rating"), IntegerField())).filter(
        rating_value__gte=4)


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
    return Step.objects.filter(action="feedback", due_at__gte=w.start, due_at__lt=w.end, at__lte=w.as_of,
                               event__channel__in=("grid", "patrol"), event__reporter__isnull=False,
                               **w.area("event__county")).annotate(
        subj=F("event__reporter__grid_workers__id"), fact_item=F("event_id"), cty=F("event__county_id"))


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


# ---------------------------------------------------------------- events part 2: marks, escalations, town calls

@fact("unit_red_marked", _("红牌超期事件数"), "event", (ST.UNIT, ST.DEPARTMENT, ST.STATIONED))
def unit_red_marked(w: Window, st: str) -> QuerySet:
    """Of `unit_dispatched`: events the deadline sweep marked red (超期) while the unit held them
    (a `DeadlineMark` of colour red naming the unit, recorded by as_of)."""
    # through the event's marks, not the unit's (OffIndex): a unit holds thousands of marks
    marks = _off_index(_part2("DeadlineMark").objects.filter(event_id=OuterRef("event_id"), colour="red",
                                                             at__lte=w.as_of), unit_id=OuterRef("subj"))
    return _unit_dispatches(w, st).filter(Exists(marks))


@fact("region_escalated", _("升级事件数"), "event", (ST.TOWN, ST.COUNTY))
def region_escalated(w: Window, st: str) -> QuerySet:
    """Of `region_filed`: events escalated one level up (超期 or an unanswered town call) by as_of."""
    escalations = _part2("Escalation").objects.filter(event_id=OuterRef("event_id"), at__lte=w.as_of)
    return region_filed(w, st).filter(Exists(escalations))


def _calls(w: Window) -> QuerySet:
    return _part2("CallDepartment").objects.filter(
        call__at__gte=w.start, call__at__lt=w.end, call__at__lte=w.as_of, **w.area("call__event__county")).annotate(
        subj=F("unit_id"), fact_item=F("pk"), cty=F("call__event__county_id"))


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
