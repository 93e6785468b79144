"""Reads of assessment: latest results, drill-down, rankings, trends, medians, dual annual scores.

Every read takes the user and goes through `visible_to`, so a town sees its own subjects only.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.urls import reverse

from assess import facts
from assess.choices import Assessor, SubjectType
from assess.models import DualScore, Result, Score
from assess.periods import Period, period_of
from core.worklist import Figure


def latest_only(rows: Any, key: tuple[str, ...] = ("subject_type", "subject_key", "code")) -> list[Any]:
    """The highest revision of each (subject, indicator) among `rows` (in `rows` order)."""
    best: dict[tuple[Any, ...], Any] = {}
    for r in rows:
        k = tuple(getattr(r, f) for f in key)
        if k not in best or best[k].revision < r.revision:
            best[k] = r
    return list(best.values())


def results_for(user: Any, *, period: Period, subject_type: str | None = None, division: str | None = None,
                code: str | None = None, latest: bool = True) -> list[Result]:
    """Stored results of a period visible to the user (latest revisions unless `latest=False`).

    The subject type is kept off the indexes (`facts.OffIndex`): SQLite without statistics would
    otherwise read every result of that type ever stored through the unique index that starts
    with it, rather than the period's rows through `assess_result_period` (a cost growing with
    every day, week and month computed)."""
    qs: QuerySet[Result] = Result.objects.visible_to(user).filter(
        period_kind=period.kind, period_start=period.start).select_related("indicator")
    if subject_type:
        qs = qs.alias(off_subject_type=facts.OffIndex(F("subject_type"))).filter(off_subject_type=subject_type)
    if division:
        qs = qs.filter(division__code__startswith=_prefix(division))
    if code:
        qs = qs.filter(code=code)
    rows = list(qs.order_by("subject_type", "subject_key", "code", "revision"))
    return latest_only(rows) if latest else rows


def scores_for(user: Any, *, period: Period, subject_type: str | None = None, division: str | None = None) -> list[Score]:
    qs = Score.objects.visible_to(user).filter(period_kind=period.kind, period_start=period.start).select_related(
        "scheme")
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    if division:
        qs = qs.filter(division__code__startswith=_prefix(division))
    rows = latest_only(list(qs.order_by("subject_type", "subject_key", "revision")), ("subject_type", "subject_key"))
    return sorted(rows, key=lambda s: (-s.score, s.subject_name))


def latest_scored_start(user: Any, *, kind: str, division: str, today: dt.date) -> dt.date | None:
    """The start of the latest period of `kind` (not after `today`) with stored scores in the
    division that the user may see, or None when nothing is stored — unless that period is the
    one running today and less than a fifth of it has passed (a month's first 6 days, a week's
    first day) while an earlier period has scores: then the earlier one. Just after midnight on the
    1st the new month holds only the few towns with a report since then; the leader's dashboard
    opened on a three-town ranking."""
    from assess.periods import period_of

    starts = list(Score.objects.visible_to(user).filter(
        period_kind=kind, period_start__lte=today, division__code__startswith=_prefix(division))
        .order_by("-period_start").values_list("period_start", flat=True).distinct()[:2])
    if not starts:
        return None
    running = period_of(kind, today)
    young = starts[0] == running.start and (today - running.start).days * 5 < (running.end - running.start).days
    return starts[1] if young and len(starts) == 2 else starts[0]


def _prefix(code: str) -> str:
    from core.scoping import code_prefix

    return code_prefix(code)


@dataclass
class Drill:
    """The rows behind one stored figure: `ids` of events / patrols / cases / dispatches, with links."""

    result: Result
    part: str
    fact: facts.Fact
    ids: list[Any]
    rows: list[dict[str, Any]]


def drill(result: Result, part: str) -> Drill:
    """Re-run the fact of the result's stored version with its stored `as_of` and period: exactly
    the items its numerator or denominator counted. `part` is "numerator" or "denominator"."""
    from core.errors import PlatformError

    if part not in ("numerator", "denominator"):
        raise PlatformError("只能下钻分子或分母", fields={"part": [part]})
    version = result.indicator
    code = version.numerator if part == "numerator" else version.denominator
    period = period_of(result.period_kind, result.period_start)
    start, end = period.bounds()
    county = result.division_id[:6] + "000000"
    window = facts.Window(start, end, result.as_of, county, period.days)
    fact = facts.get(code)
    ids = facts.items(code, window, version.subject_type, result.subject_key)
    return Drill(result, part, fact, ids, _describe(fact.item, ids))


def _describe(item: str, ids: list[Any]) -> list[dict[str, Any]]:
    if item == "event":
        from events.models import Event

        rows = Event.objects.filter(pk__in=ids).select_related("event_class").defer("candidates", "routing")
        return [{"id": e.pk, "label": e.code or f"事件#{e.pk}", "text": e.description[:60],
                 "time": e.reported_at, "url": reverse("events:detail", args=[e.pk])} for e in rows.order_by("pk")]
    if item == "case":
        from flows.models import Case

        return [{"id": c.pk, "label": c.number, "text": c.title, "time": c.completed_at,
                 "url": reverse("flows:case", args=[c.pk])} for c in Case.objects.filter(pk__in=ids).order_by("pk")]
    if item == "dispatch":
        from assess.models import StationedDispatch

        return [{"id": d.pk, "label": d.task, "text": d.result, "time": d.due_at, "url": ""}
                for d in StationedDispatch.objects.filter(pk__in=ids).order_by("pk")]
    if item == "grid":
        from grids.models import Grid

        return [{"id": g.pk, "label": g.code, "text": g.name, "time": None, "url": ""}
                for g in Grid.objects.filter(pk__in=ids).defer("geometry").order_by("pk")]
    if item == "patrol":   # grid-days "<grid id>@<local day>": the grid by code and name, the day
        from grids.models import Grid

        pairs = [(str(i).partition("@")[0], str(i).partition("@")[2]) for i in ids]
        grids = Grid.objects.filter(pk__in=[int(g) for g, _ in pairs if g.isdigit()]).defer("geometry").in_bulk()
        out = []
        for i, (grid_id, day) in zip(ids, pairs, strict=True):
            grid = grids.get(int(grid_id)) if grid_id.isdigit() else None
            out.append({"id": i, "label": f"{grid.code} {grid.name}" if grid else str(i), "text": f"{day} 已巡查",
                        "time": None, "url": reverse("grids:detail", args=[grid.pk]) if grid else ""})
        return out
    return [{"id": i, "label": str(i), "text": "", "time": None, "url": ""} for i in ids]


def _latest_q(model: Any, *fields: str) -> Exists:
    """True for a row that a higher revision of the same subject (and `fields`) supersedes."""
    same = {f: OuterRef(f) for f in ("subject_type", "subject_key", "period_kind", "period_start", *fields)}
    return Exists(model.objects.filter(revision__gt=OuterRef("revision"), **same))


def trend(user: Any, *, code: str, subject_type: str, division: str, periods: list[Period]) -> list[dict[str, Any]]:
    """Per period: the pooled value of `code` over the division's subjects (Σ numerators / Σ denominators
    of the latest revisions) — one aggregate query for all the periods."""
    if not periods:
        return []
    rows = (Result.objects.visible_to(user).filter(
        code=code, subject_type=subject_type, period_kind=periods[0].kind,
        period_start__in=[p.start for p in periods], division__code__startswith=_prefix(division))
        .exclude(_latest_q(Result, "code")).values("period_start")
        .annotate(n=Sum("numerator"), d=Sum("denominator")).order_by())
    sums = {r["period_start"]: (int(r["n"] or 0), int(r["d"] or 0)) for r in rows}
    out = []
    for p in periods:
        n, d = sums.get(p.start, (0, 0))
        out.append({"period": p.label, "start": p.start.isoformat(), "numerator": n, "denominator": d,
                    "value": float(Decimal(n) / Decimal(d)) if d else None})
    return out


def grade_counts(user: Any, *, period: Period, subject_type: str, division: str) -> dict[str, int]:
    """{grade: subjects} of the latest score revisions — one aggregate query."""
    rows = (Score.objects.visible_to(user).filter(subject_type=subject_type, period_kind=period.kind,
                                                  period_start=period.start,
                                                  division__code__startswith=_prefix(division))
            .exclude(_latest_q(Score)).values("grade").annotate(n=Count("id")).order_by("grade"))
    return {r["grade"]: int(r["n"]) for r in rows}


def median_compare(user: Any, *, town: str, period: Period) -> list[dict[str, Any]]:
    """A town's own values beside the median of the towns of its county, per town indicator.
    The median is taken over every town of the county (results of the county read without the
    user's scope narrowing: only medians leave this function, never another town's figure)."""
    county = town[:6]
    rows = latest_only(list(Result.objects.filter(period_kind=period.kind, period_start=period.start,
                                                  subject_type=SubjectType.TOWN, division__code__startswith=county)
                            .select_related("indicator")))
    by_code: dict[str, list[Decimal]] = defaultdict(list)
    own: dict[str, Result] = {}
    for r in rows:
        if r.value is not None:
            by_code[r.code].append(r.value)
        if r.subject_key == town:
            own[r.code] = r
    out = []
    for code, values in sorted(by_code.items()):
        mine = own.get(code)
        out.append({"code": code, "name": mine.indicator.name if mine else code,
                    "value": mine.value if mine else None, "median": statistics.median(values),
                    "towns": len(values), "result": mine})
    return out


def grade_distribution(scores: list[Score]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for s in scores:
        counts[s.grade] += 1
    return dict(sorted(counts.items()))


@dataclass
class DualAnnual:
    unit_id: int
    year: int
    town: Decimal | None
    department: Decimal | None
    town_share: int
    total: Decimal | None


def dual_annual(unit: Any, year: int, staff: Any = None) -> DualAnnual:
    """A stationed body's (or one of its staff's) annual score: town share × the host town's score +
    (100 − share) × the home department's, the share from the stationed scheme in force on 1 January
    (≥ 50 %)."""
    from assess.services import scheme_in_force

    sides = {d.assessor: d.score for d in DualScore.objects.filter(unit=unit, staff=staff, year=year)}
    scheme = scheme_in_force(unit.division_id[:6] + "000000", SubjectType.STATIONED, dt.date(year, 1, 1))
    share = scheme.town_share if scheme and scheme.town_share is not None else 50
    town, dept = sides.get(Assessor.TOWN), sides.get(Assessor.DEPARTMENT)
    total = None
    if town is not None and dept is not None:
        total = ((town * share + dept * (100 - share)) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return DualAnnual(unit.pk, year, town, dept, share, total)


def home_figures(user: Any) -> list[Figure]:
    """Leaders (and the other dashboard readers): the way to the leader dashboard (考核驾驶舱);
    the day's key figures come from the events and flows apps."""
    from core.roles import Role, has_role

    if not has_role(user, Role.LEADER):
        return []
    return [Figure("assess.dashboard", "考核驾驶舱", None, reverse("assess:dashboard"), "考核"),
            Figure("assess.compliance", "改革落实检查", None, reverse("assess:compliance-table"), "考核")]
