"""Facts over patrols (日巡查: grid-days patrolled and due), cases (办件) and the tasks a host town
dispatched to stationed bodies (调度权). Registered in `assess.facts.FACTS` on import."""
from __future__ import annotations

from typing import Any

from django.db.models import (
    CharField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Concat, Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assess.facts import ST, Window, fact

# ---------------------------------------------------------------- cases (办件)

@fact("cases_completed", _("办结办件数"), "case", (ST.TOWN, ST.COUNTY), by_county=False)
def cases_completed(w: Window, st: str) -> QuerySet:
    """Cases (办件) completed in the period in the town / county."""
    from flows.models import Case as FlowCase

    key: Any = F("division_id") if st == ST.TOWN else Concat(Substr("division_id", 1, 6), Value("000000"),
                                                                 output_field=CharField())
    return FlowCase.objects.filter(division__code__startswith=w.prefix, completed_at__gte=w.start,
                                   completed_at__lt=w.end, completed_at__lte=w.as_of).annotate(
        subj=key, fact_item=F("pk"))


@fact("cases_on_time", _("按期办结办件数"), "case", (ST.TOWN, ST.COUNTY), by_county=False)
def cases_on_time(w: Window, st: str) -> QuerySet:
    """Of `cases_completed`: cases none of whose steps was completed after its time limit."""
    from flows.models import CaseStep

    return cases_completed(w, st).exclude(Exists(CaseStep.objects.filter(case_id=OuterRef("pk"), overdue=True)))


# ---------------------------------------------------------------- patrols (日巡查)

@fact("patrol_grid_days", _("已巡查网格·日"), "patrol", (ST.GRID_WORKER,), by_county=False)
def patrol_grid_days(w: Window, st: str) -> QuerySet:
    """Distinct (grid, local day) pairs in the period on which the worker started a patrol of one of
    their own grids (the patrol's main grid)."""
    from grids.models import GridMembership, Patrol

    mine = GridMembership.objects.filter(worker_id=OuterRef("worker_id"), grid_id=OuterRef("grid_id"))
    day = TruncDate("started_at", tzinfo=timezone.get_default_timezone())
    return Patrol.objects.filter(division__code__startswith=w.prefix, started_at__gte=w.start, started_at__lt=w.end,
                                 started_at__lte=w.as_of).filter(Exists(mine)).annotate(
        subj=F("worker_id"),
        fact_item=Concat(Cast("grid_id", CharField()), Value("@"), Cast(day, CharField()), output_field=CharField()))


@fact("grid_days_due", _("应巡查网格·日"), "grid", (ST.GRID_WORKER,), per_day=True, by_county=False)
def grid_days_due(w: Window, st: str) -> QuerySet:
    """The worker's grids (active, as now) times the days of the period (日巡查: every grid, every day)."""
    from grids.models import GridMembership

    return GridMembership.objects.filter(grid__division__code__startswith=w.prefix, grid__status="active").annotate(
        subj=F("worker_id"), fact_item=F("grid_id"))


# ---------------------------------------------------------------- stationed bodies (调度权)

def _tasks(w: Window, st: str) -> QuerySet:
    from assess.models import StationedDispatch

    return StationedDispatch.objects.filter(division__code__startswith=w.prefix, due_at__gte=w.start,
                                            due_at__lt=w.end, created_at__lte=w.as_of).annotate(
        subj=F("unit_id"), fact_item=F("pk"))


@fact("stationed_tasks", _("调度任务数"), "dispatch", (ST.STATIONED,), by_county=False)
def stationed_tasks(w: Window, st: str) -> QuerySet:
    """Tasks the host town dispatched to the stationed body (调度权) falling due in the period."""
    return _tasks(w, st)


@fact("stationed_tasks_on_time", _("按时完成调度任务数"), "dispatch", (ST.STATIONED,), by_county=False)
def stationed_tasks_on_time(w: Window, st: str) -> QuerySet:
    """Of `stationed_tasks`: tasks completed by their due time (recorded by as_of)."""
    return _tasks(w, st).filter(completed_at__isnull=False, completed_at__lte=F("due_at")).filter(
        completed_at__lte=w.as_of)
