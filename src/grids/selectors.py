"""Reads for grids: scoped querysets, team gaps, daily coverage, weekly and monthly rhythm."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Case, Count, DateTimeField, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from core.scoping import code_prefix
from core.worklist import Figure, Source, WorkItem
from grids.choices import FindingCategory, FindingStatus, GridStatus, GridType, PatrolStatus, TeamRole
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
    """Weekly / monthly figures for a division from `start` to `end` (dates, inclusive): patrols,
    findings by category, hot spots, grids not patrolled, and per-child-division rows (towns of a
    county, villages of a town…). Shape: {"patrols", "findings", "by_category": [(label, n)],
    "hot_spots": [(code, name, n)], "not_patrolled": [(code, name)], "grids", "patrolled_grids",
    "coverage" (percent), "children": [{"code", "name", "grids", "patrolled", "rate", "findings"}]}."""
    return _analyse(_facts(user, division_code, [start], end), 0)


def rhythm(user: Any, division_code: str, day: dt.date) -> dict[str, dict]:
    """The rhythm page's two periods ending on `day`: {"week": the last 7 days, "month": the 1st of
    the month to `day`}, each as `period_analysis`. Both come from one pass in the database (the
    grids a period's patrols covered and the findings, counted per period there), so the page for
    the whole city reads ~6k covered codes and ~6k grids, not ~20k patrols twice."""
    facts = _facts(user, division_code, [day - dt.timedelta(days=6), day.replace(day=1)], day)
    return {"week": _analyse(facts, 0), "month": _analyse(facts, 1)}


def _window_flags(field: str, starts: list[dt.datetime]) -> dict[str, Case]:
    return {f"w{i}": Case(When(**{f"{field}__gte": t}, then=Value(1)), default=Value(0),
                          output_field=IntegerField()) for i, t in enumerate(starts)}


def _covered(user: Any, prefix: str, starts: list[dt.datetime], end: dt.datetime) -> tuple[dict[str, list[int]], list[int]]:
    """({grid code: [1 if a patrol of window i covered it else 0, …]}, [patrols per window]) for the
    grids under `prefix`, windows [starts[i], end). The patrols' `grids_covered` lists are expanded
    in the database (SQLite json_each, PostgreSQL jsonb_array_elements_text) over the scoped ORM
    query, so no patrol row reaches Python."""
    flags = _window_flags("started_at", starts)
    inner = (Patrol.objects.visible_to(user)
             .filter(division__code__startswith=prefix[:6], status=PatrolStatus.ENDED, started_at__gte=min(starts),
                     started_at__lt=end)
             .order_by().annotate(**flags).values("grids_covered", *flags))
    sql, params = inner.query.sql_with_params()
    expand = ("jsonb_array_elements_text(p.grids_covered) AS j(value)" if connection.vendor == "postgresql"
              else "json_each(p.grids_covered) AS j")
    cols = list(flags)
    like = prefix + "%"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT j.value, {', '.join(f'MAX(p.{c})' for c in cols)} FROM ({sql}) p, {expand} "  # noqa: S608 - our own SQL, values bound
                       f"WHERE j.value LIKE %s GROUP BY j.value", [*params, like])
        codes = {row[0]: list(row[1:]) for row in cursor.fetchall()}
        cursor.execute(f"SELECT {', '.join(f'COALESCE(SUM(p.{c}), 0)' for c in cols)} FROM ({sql}) p "  # noqa: S608
                       f"WHERE EXISTS (SELECT 1 FROM {expand} WHERE j.value LIKE %s)", [*params, like])
        counts = [int(n) for n in cursor.fetchone()]
    return codes, counts


def _facts(user: Any, division_code: str, starts: list[dt.date], end: dt.date) -> dict[str, Any]:
    """What analyses of the windows [starts[i], end] (dates, inclusive) need, aggregated per window."""
    prefix = code_prefix(division_code)
    t_starts = [_day_bounds(d)[0] for d in starts]
    _, t1 = _day_bounds(end)
    codes, counts = _covered(user, prefix, t_starts, t1)
    grids = list(Grid.objects.visible_to(user).filter(division__code__startswith=prefix, status=GridStatus.ACTIVE)
                 .order_by().values_list("code", "name", "type"))
    flags = _window_flags("found_at", t_starts)
    findings = list(Finding.objects.visible_to(user)
                    .filter(grid__code__startswith=prefix, found_at__gte=min(t_starts), found_at__lt=t1)
                    .order_by().annotate(**flags).values_list("grid__code", "category", *flags)
                    .annotate(n=Count("id")))
    child_len = {4: 6, 6: 9, 9: 12}.get(len(prefix), 12)
    from divisions.models import Division

    keys = {c[:child_len].ljust(12, "0") for c, _, t in grids if t == GridType.COMPREHENSIVE}
    child_names = dict(Division.objects.filter(code__in=keys).values_list("code", "name"))
    return {"codes": codes, "counts": counts, "grids": grids, "findings": findings, "child_len": child_len,
            "child_names": child_names}


def _analyse(facts: dict[str, Any], window: int) -> dict:
    grids = facts["grids"]
    names = {c: n for c, n, _ in grids}
    patrolled = {code for code, seen in facts["codes"].items() if seen[window]}
    per_category: Counter[str] = Counter()
    per_grid: Counter[str] = Counter()
    for row in facts["findings"]:
        code, category, n = row[0], row[1], row[-1]
        if row[2 + window]:
            per_category[category] += n
            per_grid[code] += n
    labels = dict(FindingCategory.choices)
    by_category = [(str(labels.get(k, k)), n) for k, n in sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))]
    hot = [(code, names.get(code, ""), n) for code, n in sorted(per_grid.items(), key=lambda kv: (-kv[1], kv[0]))[:10]]
    comprehensive = [(c, n) for c, n, t in grids if t == GridType.COMPREHENSIVE]
    not_patrolled = [(c, n) for c, n in comprehensive if c not in patrolled]
    comp_total = len(comprehensive)
    child_len = facts["child_len"]
    child_grids: Counter = Counter(c[:child_len] for c, _ in comprehensive)
    child_patrolled: Counter = Counter(c[:child_len] for c, _ in comprehensive if c in patrolled)
    child_findings: Counter = Counter()
    for code, n in per_grid.items():
        child_findings[code[:child_len]] += n
    child_names = facts["child_names"]
    children = [{"code": k.ljust(12, "0"), "name": child_names.get(k.ljust(12, "0"), k), "grids": n,
                 "patrolled": child_patrolled[k], "rate": round(child_patrolled[k] / n * 100, 1) if n else 0.0,
                 "findings": child_findings[k]} for k, n in sorted(child_grids.items())]
    return {"patrols": facts["counts"][window], "findings": sum(per_category.values()), "by_category": by_category,
            "hot_spots": hot, "not_patrolled": not_patrolled, "grids": comp_total,
            "patrolled_grids": comp_total - len(not_patrolled),
            "coverage": round((comp_total - len(not_patrolled)) / comp_total * 100, 1) if comp_total else 0.0,
            "children": children}


# Simplification (degrees) of boundary layers by the length of the requested division's prefix:
# the city and a county are drawn at map scales where 50 m / 20 m are below a pixel.
BOUNDARY_SIMPLIFY = {4: 0.0005, 6: 0.0002, 9: 0.0, 12: 0.0}
_boundary_cache: dict[tuple[str, frozenset[str], int], str] = {}


def boundaries_geojson(user: Any, division_code: str) -> str:
    """GeoJSON text (FeatureCollection) of the boundaries in `division_code`'s subtree that the user
    may read (divisions are reference data: the user's subtree and its ancestors): the division
    itself and every county, town and village below it, each Feature with properties {code,
    name, level, synthetic}. Simplified for city and county views (`BOUNDARY_SIMPLIFY`), coordinates
    rounded to 1e-5° (≈1 m). Cached per process by (division, visible codes, grids generation):
    boundaries change only through the grids app, which bumps that generation."""
    import shapely

    from core import cachegen
    from divisions.models import Division

    prefix = code_prefix(division_code)
    rows = list(Division.objects.visible_to(user).filter(code__startswith=prefix).exclude(boundary="")
                .order_by("code").values_list("code", "name", "level", "boundary", "boundary_synthetic"))
    key = (division_code, frozenset(r[0] for r in rows), cachegen.current("grids"))
    if key in _boundary_cache:
        return _boundary_cache[key]
    tolerance = BOUNDARY_SIMPLIFY.get(len(prefix), 0.0)
    import json

    geoms = shapely.from_geojson([r[3] for r in rows]) if rows else []
    if tolerance and len(geoms):
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    parts = []
    for (code, name, level, _, synthetic), geom in zip(rows, geoms, strict=True):
        text = shapely.to_geojson(shapely.set_precision(geom, 1e-5) if tolerance else geom)
        props = json.dumps({"code": code, "name": name, "level": level, "synthetic": synthetic},
                           ensure_ascii=False, separators=(",", ":"))
        parts.append(f'{{"type":"Feature","geometry":{text},"properties":{props}}}')
    body = f'{{"type":"FeatureCollection","division":"{division_code}","features":[{",".join(parts)}]}}'
    if len(_boundary_cache) > 64:
        _boundary_cache.clear()
    _boundary_cache[key] = body
    return body


def worker_grids_geojson(user: Any, worker: Any) -> dict:
    """The grids a worker serves (head, member or cadre) that the user may see, as a GeoJSON
    FeatureCollection dict with properties {code, name, role}, for the phone patrol map."""
    import json

    rows = (GridMembership.objects.filter(worker=worker, grid__in=Grid.objects.visible_to(user))
            .select_related("grid").order_by("grid__code"))
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(m.grid.geometry),
         "properties": {"code": m.grid.code, "name": m.grid.name, "role": str(m.get_role_display())}}
        for m in rows if m.grid.geometry]}


# ---------------------------------------------------------------- to-do (core.worklist) and home figures

FINDING_KIND = "grids.finding"


def covered_codes(user: Any, day: dt.date) -> set[str]:
    """Codes of the grids that an ended patrol visible to `user` covered on `day` (local date):
    one query over that day's patrols."""
    start, end = _day_bounds(day)
    codes: set[str] = set()
    for covered in (Patrol.objects.visible_to(user).filter(status=PatrolStatus.ENDED, started_at__gte=start,
                                                           started_at__lt=end).values_list("grids_covered", flat=True)):
        codes.update(covered or ())
    return codes


def not_patrolled(user: Any, qs: QuerySet, day: dt.date) -> QuerySet:
    """Active grids of `qs` that no ended patrol covered on `day` (日巡查: the town's gaps today)."""
    return qs.filter(status=GridStatus.ACTIVE).exclude(code__in=sorted(covered_codes(user, day)))


def my_grids(user: Any, qs: QuerySet) -> QuerySet:
    """Grids of `qs` on whose team the user's grid-worker record serves (head, member or cadre)."""
    return qs.filter(memberships__worker__user_id=getattr(user, "pk", None),
                     memberships__worker__active=True).distinct()


def _town_centre(user: Any) -> bool:
    from core.roles import Role, has_role
    from core.scoping import code_level

    code: str = getattr(user, "division_id", None) or ""
    return has_role(user, Role.TOWN_COMMAND) and bool(code) and code_level(code) in ("town", "village")


def todo_findings(user: Any) -> QuerySet[Finding]:
    """Findings not yet reported: for a town command centre every one in its town, for a grid
    worker their own (report it or settle it)."""
    from core.roles import Role, has_role

    cond = Q(pk__in=[])
    if _town_centre(user):
        cond |= Q(pk__isnull=False)
    if has_role(user, Role.GRID_WORKER):
        cond |= Q(patrol__worker__user_id=getattr(user, "pk", None))
    return todo_findings_subtree(user).filter(cond)


def todo_findings_subtree(user: Any) -> QuerySet[Finding]:
    return (Finding.objects.visible_to(user).filter(status=FindingStatus.UNREPORTED)
            .select_related("patrol__worker", "patrol__division", "grid")
            .annotate(todo_due=Value(None, output_field=DateTimeField())))


def todo_finding_item(f: Finding) -> WorkItem:
    url = f"{reverse('grids:findings')}?{urlencode({'patrol': f.patrol_id})}"
    where = f.grid.name if f.grid_id and f.grid is not None else f.patrol.division.name
    found = timezone.localtime(f.found_at)
    return WorkItem(kind=FINDING_KIND, ref=str(f.pk), title=f"{f.get_category_display()}：{f.description[:40]}",
                    action="上报或处理巡查发现", url=url, due_at=None, division=f.patrol.division_id,
                    detail=f"{where} · {f.patrol.worker.name} · {found:%Y-%m-%d %H:%M}")


def todo_finding_recipients(f: Finding) -> list[Any]:
    user = f.patrol.worker.user
    return [user] if user is not None else []


def home_figures(user: Any) -> list[Figure]:
    """Command centres: grids not patrolled today and findings not yet reported (their subtree);
    grid workers: their grids, start a patrol, their findings not yet reported."""
    from core.roles import COMMAND_ROLES, Role, has_role

    out: list[Figure] = []
    today = timezone.localdate()
    grids_url, findings_url = reverse("grids:list"), reverse("grids:findings")
    if has_role(user, COMMAND_ROLES):
        out.append(Figure("grids.not_patrolled", "今日未巡查网格",
                          not_patrolled(user, grids_for(user), today).count(),
                          f"{grids_url}?{urlencode({'not_patrolled': today.isoformat()})}", "网格", warn=True))
        out.append(Figure("grids.findings", "未上报的巡查发现",
                          Finding.objects.visible_to(user).filter(status=FindingStatus.UNREPORTED).count(),
                          f"{findings_url}?status={FindingStatus.UNREPORTED}", "网格"))
    if has_role(user, Role.GRID_WORKER):
        out.append(Figure("grids.mine", "我的网格", my_grids(user, grids_for(user)).count(),
                          f"{grids_url}?mine=true", "网格"))
        out.append(Figure("grids.patrol", "开始巡查", None, reverse("grids:patrol"), "网格"))
        out.append(Figure("grids.my_findings", "我的未上报发现",
                          Finding.objects.visible_to(user).filter(status=FindingStatus.UNREPORTED,
                                                                  patrol__worker__user_id=user.pk).count(),
                          f"{findings_url}?{urlencode({'status': FindingStatus.UNREPORTED, 'mine': 'true'})}",
                          "网格"))
    return out


def todo_sources() -> list[Source]:
    return [Source(kind=FINDING_KIND, label="巡查发现", mine=todo_findings, item=todo_finding_item,
                   subtree=todo_findings_subtree, recipients=todo_finding_recipients,
                   roles=(Role.TOWN_COMMAND, Role.GRID_WORKER))]
