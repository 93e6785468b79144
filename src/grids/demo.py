"""The grids part of the Yangzhou demo: synthetic towns, villages and grids inside Yangzhou's real county outlines.

5,639 comprehensive grids tiling 1,437 villages, 593 specialised grids, 10,922 grid workers
and the last 7 days of patrols. Everything is synthetic (flagged), deterministic (fixed seed)
and bulk inserted (audited with record_bulk) so the first start stays fast.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections.abc import Callable
from typing import Any

import shapely
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core import audit
from core.roles import Role
from core.synthetic import NameMaker
from divisions.choices import Level
from divisions.models import Division
from grids import geo, layout, services
from grids.choices import FindingCategory, GridType, PatrolStatus, SpecialCategory, TeamRole, WorkerKind
from grids.models import Finding, Grid, GridMembership, GridWorker, Patrol, PatrolPoint

COMPREHENSIVE_TOTAL = 5639
SPECIALISED_TOTAL = 593
WORKERS_TOTAL = 10922
DEMO_LOGIN = "demo-grid-321002001"
DEMO_TOWN = "321002001000"
SEED = 5639
SPECIAL_MIX = [(SpecialCategory.INDUSTRIAL_PARK, 3), (SpecialCategory.SCHOOL, 4), (SpecialCategory.HOSPITAL, 2),
               (SpecialCategory.MARKET, 3), (SpecialCategory.SCENIC, 1), (SpecialCategory.STATION, 1)]


def village_weight(village: Division, rng: random.Random) -> float:
    # communities (居委会, 001-199) are denser than rural villages (村委会, 200-399)
    base = 4.6 if int(village.code[9:12]) < 200 else 3.4
    return base * rng.uniform(0.7, 1.3)


def build_layout(counties: list[Division], towns: list[Division], villages: list[Division],
                 regions: dict[str, Any], comprehensive_total: int, rng: random.Random) -> dict[str, Any]:
    """Polygons for every town and village inside the given county outlines (`regions`, by county
    code: `layout.county_outlines()` in the demo), and the comprehensive grid cells per village.
    Answers {"shapes": {code: polygon} for counties, towns and villages, "cells": {village code:
    [polygon, …] in reading order}}; every level tiles the one above."""
    towns_of: dict[str, list[Division]] = {}
    for t in towns:
        towns_of.setdefault(t.code[:6], []).append(t)
    villages_of: dict[str, list[Division]] = {}
    for v in villages:
        villages_of.setdefault(v.code[:9], []).append(v)
    shapes: dict[str, Any] = {}
    for county in counties:
        if county.code not in regions:
            continue
        shapes[county.code] = regions[county.code]
        ctowns = [t for t in towns_of.get(county.code[:6], []) if villages_of.get(t.code[:9])]
        weights = [len(villages_of[t.code[:9]]) * rng.uniform(0.8, 1.2) for t in ctowns]
        for town, part in zip(ctowns, layout.split(regions[county.code], weights), strict=False):
            shapes[town.code] = part
            tv = villages_of[town.code[:9]]
            for village, vpart in zip(tv, layout.split(part, [village_weight(v, rng) for v in tv]), strict=False):
                shapes[village.code] = vpart
    counts = layout.allocate(comprehensive_total, [shapes[v.code].area ** 0.5 * village_weight(v, rng)
                                                   for v in villages])
    cells = {v.code: layout.grid_cells(shapes[v.code], k, rng) for v, k in zip(villages, counts, strict=False)}
    return {"shapes": shapes, "cells": cells}


def comprehensive_grids(villages: list[Division], cells: dict[str, list[Any]]) -> list[Grid]:
    grids = []
    for v in villages:
        for seq, cell in enumerate(cells[v.code], start=1):
            grids.append(Grid(code=geo.grid_code(v.code, seq), name=f"{v.name}第{seq}网格", type=GridType.COMPREHENSIVE,
                              division=v, village=v, geometry=layout.to_geojson(cell), is_synthetic=True))
    return grids


def specialised_grids(towns: list[Division], villages: list[Division], shapes: dict[str, Any], total: int,
                      rng: random.Random) -> list[Grid]:
    towns = [t for t in towns if t.code in shapes]
    per_town = layout.allocate(total, [sum(1 for v in villages if v.code[:9] == t.code[:9]) for t in towns], 1)
    mix = [c for c, n in SPECIAL_MIX for _ in range(n)]
    labels = dict(SpecialCategory.choices)
    vtree_codes = [v.code for v in villages if v.code in shapes]
    vtree = shapely.STRtree([shapes[c] for c in vtree_codes])
    grids = []
    for town, n in zip(towns, per_town, strict=False):
        tshape = shapes[town.code]
        size = math.sqrt(tshape.area / max(1, n)) * 0.35
        seq = 0
        for _ in range(n):
            shape = layout.special_shape(tshape, size, rng)
            if shape is None:
                continue
            seq += 1
            category = rng.choice(mix)
            x, y = geo.representative(shape)
            hit = vtree.query(shapely.Point(x, y), predicate="intersects").tolist()
            grids.append(Grid(code=geo.grid_code(town.code, seq), name=f"{town.name}{labels[category]}专属网格{seq}",
                              type=GridType.SPECIALISED, category=category, division=town,
                              village_id=vtree_codes[hit[0]] if hit else None, geometry=layout.to_geojson(shape),
                              is_synthetic=True))
    return grids


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


def teams(grids: list[Grid], total: int, rng: random.Random) -> tuple[list[GridWorker], list[tuple[int, int, str]]]:
    """Workers and (grid index, worker index, role): one head per grid, then members and cadres."""
    names = NameMaker(seed=SEED)
    workers: list[GridWorker] = []
    links: list[tuple[int, int, str]] = []
    for gi, g in enumerate(grids):
        kind = WorkerKind.FULL_TIME if g.type == GridType.COMPREHENSIVE else WorkerKind.PART_TIME
        workers.append(GridWorker(name=names.name(), phone=_phone(rng), division_id=g.division_id, kind=kind,
                                  is_synthetic=True))
        links.append((gi, len(workers) - 1, TeamRole.HEAD))
    comp = [i for i, g in enumerate(grids) if g.type == GridType.COMPREHENSIVE]
    by_village: dict[str, list[int]] = {}
    by_town: dict[str, list[int]] = {}
    for i in comp:
        by_village.setdefault(grids[i].division_id, []).append(i)
        by_town.setdefault(grids[i].division_id[:9], []).append(i)
    rest = total - len(workers)
    cadres = rest * 36 // 100
    for n in range(rest):
        gi = rng.choice(comp)
        g = grids[gi]
        if n < cadres:  # embedded town cadres (下沉干部): serve one to three grids of their town
            workers.append(GridWorker(name=names.name(), phone=_phone(rng), division_id=g.division_id[:9] + "000",
                                      kind=WorkerKind.CADRE, is_synthetic=True))
            pool = by_town[g.division_id[:9]]
            for gj in {gi, *rng.sample(pool, min(len(pool), rng.randint(0, 2)))}:
                links.append((gj, len(workers) - 1, TeamRole.CADRE))
        else:  # part-time grid workers (兼职网格员) of the village; some serve two grids
            workers.append(GridWorker(name=names.name(), phone=_phone(rng), division_id=g.division_id,
                                      kind=WorkerKind.PART_TIME, is_synthetic=True))
            pool = by_village[g.division_id]
            chosen = {gi}
            if rng.random() < 0.2 and len(pool) > 1:
                chosen.add(rng.choice(pool))
            for gj in chosen:
                links.append((gj, len(workers) - 1, TeamRole.MEMBER))
    return workers, links


def _random_point(shape: Any, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = shape.bounds
    for _ in range(30):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shape.contains(shapely.Point(x, y)):
            return x, y
    return geo.representative(shape)


def patrols(grids: list[Grid], heads: dict[int, GridWorker], rng: random.Random, days: int = 7,
            rate: float = 0.5) -> tuple[list[Patrol], list[Finding], dict[int, list[PatrolPoint]]]:
    """Synthetic ended patrols of the last `days` days, their findings, and their track points
    (keyed by the patrol's position in the returned list; the patrol ids exist only once saved)."""
    now = timezone.now()
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    shapes = shapely.from_geojson([g.geometry for g in grids])
    out: list[Patrol] = []
    findings: list[Finding] = []
    points: dict[int, list[PatrolPoint]] = {}
    categories = FindingCategory.values
    for gi, g in enumerate(grids):
        worker = heads[gi]
        for back in range(days):
            if rng.random() >= rate:
                continue
            day = today - dt.timedelta(days=back)
            start = dt.datetime.combine(day, dt.time(8, 0), tz) + dt.timedelta(minutes=rng.randint(0, 540))
            minutes = rng.randint(20, 90)
            end = start + dt.timedelta(minutes=minutes)
            if end > now:
                continue
            n = rng.randint(5, 9)
            coords = [list(_random_point(shapes[gi], rng)) for _ in range(n)]
            stamps = [start + dt.timedelta(seconds=minutes * 60 * i // (n - 1)) for i in range(n)]
            p = Patrol(uuid=uuid.UUID(int=rng.getrandbits(128)), worker=worker, division_id=worker.division_id,
                       grid=g, status=PatrolStatus.ENDED, started_at=start, ended_at=end, point_count=n,
                       duration_s=minutes * 60, distance_m=round(geo.distance_m(coords), 1),
                       grids_covered=services.covered_codes(coords), is_synthetic=True)
            points[len(out)] = [PatrolPoint(seq=k, lng=x, lat=y, t=t) for k, ((x, y), t) in enumerate(zip(coords, stamps, strict=False))]
            out.append(p)
            if rng.random() < 0.12:
                x, y = coords[rng.randrange(n)]
                findings.append(Finding(uuid=uuid.UUID(int=rng.getrandbits(128)), patrol=p, grid=g,
                                        category=rng.choice(categories), description=f"巡查发现（合成）：{g.name}",
                                        lng=x, lat=y, found_at=start + dt.timedelta(minutes=rng.randint(1, minutes)),
                                        is_synthetic=True))
    return out, findings, points


def save_points(patrols: list[Patrol], points: dict[int, list[PatrolPoint]]) -> None:
    """Store the demo's track points of saved patrols, audited compactly (one row per patrol
    listing its points, as `services.patrol_add_points` does)."""
    rows: list[PatrolPoint] = []
    entries = []
    for n, patrol in enumerate(patrols):
        for point in points.get(n, []):
            point.patrol = patrol
            rows.append(point)
        added = [[q.seq, q.lng, q.lat, q.t.isoformat()] for q in points.get(n, [])]
        entries.append((patrol, "update", None, {"points_added": added}))
    PatrolPoint.objects.bulk_create(rows, batch_size=5000)
    for start in range(0, len(entries), 500):
        audit.record_many(entries[start:start + 500])


def _bulk(model: Any, rows: list[Any], batch: int = 2000) -> None:
    model.objects.bulk_create(rows, batch_size=batch)
    audit.record_bulk(rows)


@transaction.atomic
def load(say: Callable[[str], Any]) -> None:
    if Grid.objects.exists():
        say("网格：已存在，跳过")
        return
    counties = list(Division.objects.filter(level=Level.COUNTY).order_by("code"))
    towns = list(Division.objects.filter(level=Level.TOWN).order_by("code"))
    villages = list(Division.objects.filter(level=Level.VILLAGE).order_by("code"))
    if not villages:
        say("网格：没有行政区划，跳过")
        return
    with audit.acting_as(name="load_demo", source="import"):
        made = populate(counties, towns, villages, random.Random(SEED))
        grids, workers = made["grids"], made["workers"]
        demo_worker = made["demo_worker"]
        from accounts.models import User

        if demo_worker is not None and not User.objects.filter(username=DEMO_LOGIN).exists():
            user = User(username=DEMO_LOGIN, division_id=demo_worker.division_id, roles=[Role.GRID_WORKER],
                        display_name=f"{demo_worker.name}（网格员）", password=make_password("demo12345"),
                        is_synthetic=True)
            user.save()
            GridWorker.objects.filter(pk=demo_worker.pk).update(user=user)
            audit.record(demo_worker, "update", {"user": None}, {"user": user.pk})
    say(f"网格：综合网格 {sum(g.type == GridType.COMPREHENSIVE for g in grids)} 个，专属网格 "
        f"{sum(g.type == GridType.SPECIALISED for g in grids)} 个，网格员 {len(workers)} 人，近 7 天巡查 "
        f"{len(made['patrols'])} 次，发现 {len(made['findings'])} 条（均为合成数据；演示网格员账号 {DEMO_LOGIN}）")


def populate(counties: list[Division], towns: list[Division], villages: list[Division], rng: random.Random, *,
             comprehensive_total: int = COMPREHENSIVE_TOTAL, specialised_total: int = SPECIALISED_TOTAL,
             workers_total: int = WORKERS_TOTAL, track_points: bool = True) -> dict[str, Any]:
    """Boundaries, grids, teams and the last 7 days of patrols for the given divisions (the demo:
    all of Yangzhou; the rhythm benchmark: the same, or one town when tiny). Division boundaries
    are written for the city, counties, towns and villages laid out. Answers {"grids", "workers",
    "patrols", "findings", "demo_worker" (the head of a comprehensive grid in DEMO_TOWN, or None)}."""
    outlines = layout.county_outlines()
    plan = build_layout(counties, towns, villages, outlines, comprehensive_total, rng)
    shapes = plan["shapes"]
    if len(counties) == len(outlines):
        shapes[layout.CITY_CODE] = layout.city_outline(outlines)
    city = list(Division.objects.filter(code=layout.CITY_CODE))
    changed = []
    for d in city + counties + towns + villages:
        if d.code in shapes:
            d.boundary = layout.to_geojson(shapes[d.code])
            d.boundary_synthetic = d.code not in layout.REAL_OUTLINES
            changed.append(d)
    Division.objects.bulk_update(changed, ["boundary", "boundary_synthetic"], batch_size=500)
    audit.record_bulk(changed, action="update")
    grids = comprehensive_grids(villages, plan["cells"])
    grids += specialised_grids(towns, villages, shapes, specialised_total, rng)
    services.grids_bulk_create(grids=grids, note="演示数据（合成）")
    workers, links = teams(grids, workers_total, rng)
    demo_worker = next((workers[w] for g, w, r in links if r == TeamRole.HEAD
                        and grids[g].code.startswith(DEMO_TOWN[:9]) and grids[g].type == GridType.COMPREHENSIVE), None)
    _bulk(GridWorker, workers)
    today = timezone.localdate()
    members = [GridMembership(grid=grids[g], worker=workers[w], role=r, since=today - dt.timedelta(days=365))
               for g, w, r in links]
    _bulk(GridMembership, members)
    heads = {g: workers[w] for g, w, r in links if r == TeamRole.HEAD}
    rows, findings, points = patrols(grids, heads, rng)
    _bulk(Patrol, rows)
    if track_points:
        save_points(rows, points)
    _bulk(Finding, findings)
    return {"grids": grids, "workers": workers, "patrols": rows, "findings": findings, "demo_worker": demo_worker}
