"""Reads for grids: scoped querysets, team gaps, daily coverage, weekly and monthly rhythm."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from core.scoping import code_prefix
from grids.choices import FindingCategory, GridStatus, GridType, PatrolStatus, TeamRole
from grids.models import Finding, Grid, GridMembership, Patrol


def grids_for(user: Any) -> QuerySet:
    return Grid.objects.visible_to(user).select_related("village", "division")


def with_team_flags(qs: QuerySet) -> QuerySet:
    head = GridMembership.objects.filter(grid=OuterRef("pk"), role=TeamRole.HEAD)
    worker = GridMembership.objects.filter(grid=OuterRef("pk")).exclude(role=TeamRole.HEAD)
    return qs.annotate(has_head=Exists(head), has_workers=Exists(worker))


def team_gaps(user: Any, division: str | None = None) -> dict[str, list[Grid]]:
    """Active grids without a head, and without any worker besides the head (the town's to-do list)."""
    qs = with_team_flags(grids_for(user).filter(status=GridStatus.ACTIVE))
    if division:
        qs = qs.filter(division__code__startswith=code_prefix(division))
    return {"no_head": list(qs.filter(has_head=False)), "no_workers": list(qs.filter(has_workers=False))}


def team(grid: Grid) -> list[GridMembership]:
    return list(grid.memberships.select_related("worker").order_by("role", "worker__name"))


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tz)
    return start, start + dt.timedelta(days=1)


def patrols_between(user: Any, prefix: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    return (Patrol.objects.visible_to(user).filter(division__code__startswith=prefix, status=PatrolStatus.ENDED,
                                                   started_at__gte=start, started_at__lt=end)
            .select_related("worker"))


def daily_coverage(user: Any, division_code: str, day: dt.date | None = None) -> dict[str, list[str]]:
    """For each grid code in the division: the names of who patrolled it that day (empty: not patrolled)."""
    day = day or timezone.localdate()
    prefix = code_prefix(division_code)
    start, end = _day_bounds(day)
    by_grid: dict[str, set[str]] = defaultdict(set)
    for p in patrols_between(user, prefix[:6], start, end).only("grids_covered", "worker__name"):
        for code in p.grids_covered:
            if code.startswith(prefix):
                by_grid[code].add(p.worker.name)
    return {code: sorted(names) for code, names in by_grid.items()}


def coverage_rows(user: Any, division_code: str, day: dt.date | None = None) -> list[dict]:
    covered = daily_coverage(user, division_code, day)
    rows = []
    for g in grids_for(user).filter(division__code__startswith=code_prefix(division_code),
                                    status=GridStatus.ACTIVE).order_by("code"):
        rows.append({"grid": g, "code": g.code, "name": g.name, "patrolled": g.code in covered,
                     "by": covered.get(g.code, [])})
    return rows


def period_analysis(user: Any, division_code: str, start: dt.date, end: dt.date) -> dict:
    """Weekly / monthly figures for a division: patrols, findings by category, hot spots, grids not
    patrolled, and per-child-division rows (towns of a county, villages of a town…)."""
    prefix = code_prefix(division_code)
    t0, _ = _day_bounds(start)
    _, t1 = _day_bounds(end)
    patrols = list(patrols_between(user, prefix[:6], t0, t1).only("grids_covered", "duration_s", "distance_m",
                                                                      "division_id", "worker__name"))
    grids = list(Grid.objects.visible_to(user).filter(division__code__startswith=prefix, status=GridStatus.ACTIVE)
                 .values_list("code", "name", "type"))
    names = {c: n for c, n, _ in grids}
    patrolled: Counter[str] = Counter()
    count = 0
    for p in patrols:
        mine = [c for c in p.grids_covered if c.startswith(prefix)]
        if mine:
            count += 1
        patrolled.update(mine)
    findings = Finding.objects.visible_to(user).filter(grid__code__startswith=prefix, found_at__gte=t0,
                                                       found_at__lt=t1)
    labels = dict(FindingCategory.choices)
    by_category = [(str(labels.get(r["category"], r["category"])), r["n"])
                   for r in findings.values("category").annotate(n=Count("id")).order_by("-n", "category")]
    hot = [(r["grid__code"], names.get(r["grid__code"], ""), r["n"])
           for r in findings.values("grid__code").annotate(n=Count("id")).order_by("-n", "grid__code")[:10]]
    not_patrolled = [(c, n) for c, n, t in grids if t == GridType.COMPREHENSIVE and c not in patrolled]
    comp_total = sum(1 for _, _, t in grids if t == GridType.COMPREHENSIVE)
    # per child division (county → towns, city → counties, town → villages)
    child_len = {4: 6, 6: 9, 9: 12}.get(len(prefix), 12)
    child_grids: Counter = Counter(c[:child_len] for c, _, t in grids if t == GridType.COMPREHENSIVE)
    child_patrolled: Counter = Counter(c[:child_len] for c, _, t in grids
                                       if t == GridType.COMPREHENSIVE and c in patrolled)
    child_findings = Counter(c[:child_len] for c in findings.values_list("grid__code", flat=True) if c)
    from divisions.models import Division

    child_names = dict(Division.objects.filter(code__in=[k.ljust(12, "0") for k in child_grids])
                       .values_list("code", "name"))
    children = [{"code": k.ljust(12, "0"), "name": child_names.get(k.ljust(12, "0"), k), "grids": n,
                 "patrolled": child_patrolled[k], "rate": round(child_patrolled[k] / n * 100, 1) if n else 0.0,
                 "findings": child_findings[k]} for k, n in sorted(child_grids.items())]
    return {"patrols": count, "findings": sum(n for _, n in by_category), "by_category": by_category,
            "hot_spots": hot, "not_patrolled": not_patrolled, "grids": comp_total,
            "patrolled_grids": comp_total - len(not_patrolled),
            "coverage": round((comp_total - len(not_patrolled)) / comp_total * 100, 1) if comp_total else 0.0,
            "children": children}
