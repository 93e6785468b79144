"""locate.*: the grid locating service (grids.locator) as the API calls it, over the demo's
6,232 grids (Yangzhou) and over 100,000 generated grids (province scale, `locate100k.*`).

Limits beside each figure: the bare shapely STRtree query over the same index (what the service
adds on top is the scope filter and building the answer)."""
from __future__ import annotations

import io
import random
import time

from bench.run import Context, percentile


def _build_demo_grids(tiny: bool) -> int:
    from django.core.management import call_command

    from core import audit
    from divisions.models import Division
    from grids import demo, services

    call_command("import_divisions", verbosity=0, stdout=io.StringIO())
    rng = random.Random(demo.SEED)
    counties = list(Division.objects.filter(level="county").order_by("code"))
    towns = list(Division.objects.filter(level="town").order_by("code"))
    villages = list(Division.objects.filter(level="village").order_by("code"))
    total_comp, total_spec = demo.COMPREHENSIVE_TOTAL, demo.SPECIALISED_TOTAL
    if tiny:
        towns = [t for t in towns if t.code.startswith("321002001")]
        villages = [v for v in villages if v.code.startswith("321002001")]
        counties = [c for c in counties if c.code.startswith("321002")]
        total_comp, total_spec = len(villages) * 2, 2
    from grids import layout

    with audit.acting_as(name="bench", source="bench"):
        plan = demo.build_layout(counties, towns, villages, layout.county_outlines(), total_comp, rng)
        grids = demo.comprehensive_grids(villages, plan["cells"])
        grids += demo.specialised_grids(towns, villages, plan["shapes"], total_spec, rng)
        services.grids_bulk_create(grids=grids, note="bench")
    return len(grids)


def _build_province_grids(n: int) -> tuple[float, float, float, float]:
    """n square grids on a regular lattice over Jiangsu's extent, coded under the real villages."""
    import json

    from core import audit
    from divisions.models import Division
    from grids import services
    from grids.models import Grid

    villages = list(Division.objects.filter(level="village").order_by("code").values_list("code", flat=True))
    side = int(n ** 0.5) + 1
    x0, y0, x1, y1 = 116.3, 30.7, 121.9, 35.1
    dx, dy = (x1 - x0) / side, (y1 - y0) / side
    rows = []
    for i in range(n):
        cx, cy = x0 + (i % side) * dx, y0 + (i // side) * dy
        village = villages[i % len(villages)]
        ring = [[cx, cy], [cx + dx, cy], [cx + dx, cy + dy], [cx, cy + dy], [cx, cy]]
        rows.append(Grid(code=f"{village}{i // len(villages) + 1:03d}", name=f"省级规模网格{i}", type="comprehensive",
                         division_id=village, village_id=village, is_synthetic=True,
                         geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":")),
                         centroid_lng=cx + dx / 2, centroid_lat=cy + dy / 2))
    Grid.objects.filter(code__gte="0").delete()
    with audit.acting_as(name="bench", source="bench"):
        services.grids_bulk_create(grids=rows, note="bench 100k")
    return (x0, y0, x1, y1)


def _measure(ctx: Context, prefix: str, bbox: tuple, n_bulk: int, n_single: int) -> None:
    import gc

    import numpy as np
    import shapely

    from core.scoping import Scope
    from grids import locator

    index = locator.get_index(max_age=0)
    t0 = time.perf_counter()
    locator.build_index(index.generation)  # what a process pays once per change
    ctx.record(f"{prefix}.index.build", (time.perf_counter() - t0) * 1000, "ms")
    scope = Scope("321000000000")  # a city user, as the API passes it
    rng = np.random.default_rng(7)
    lngs = rng.uniform(bbox[0], bbox[2], n_bulk)
    lats = rng.uniform(bbox[1], bbox[3], n_bulk)
    locator.locate_many(lats[:100], lngs[:100], scope=scope)  # warm
    t0 = time.perf_counter()
    answers = locator.locate_many(lats, lngs, scope=scope)
    service = n_bulk / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    assert index.tree is not None, "the bench builds grids first"
    index.tree.query(shapely.points(lngs, lats), predicate="intersects")
    bare = n_bulk / (time.perf_counter() - t0)
    inside = sum(1 for a in answers if a)
    ctx.dataset[f"{prefix}_bulk_points"] = n_bulk
    ctx.dataset[f"{prefix}_bulk_points_inside_a_visible_grid"] = inside
    ctx.record(f"{prefix}.bulk.throughput", service, "points/s", limit=bare, limit_name="bare STRtree query")
    xs, ys = lngs[:n_single].tolist(), lats[:n_single].tolist()
    single, bare_single = [], []
    gc.collect()
    for x, y in zip(xs, ys, strict=True):
        t = time.perf_counter()
        locator.locate(y, x, scope=scope)
        single.append((time.perf_counter() - t) * 1e6)
    tree = index.tree
    assert tree is not None
    for x, y in zip(xs, ys, strict=True):
        t = time.perf_counter()
        tree.query(shapely.Point(x, y), predicate="intersects")
        bare_single.append((time.perf_counter() - t) * 1e6)
    ctx.record(f"{prefix}.single.p50", percentile(single, 50), "µs", limit=percentile(bare_single, 50),
               limit_name="bare STRtree query")
    ctx.record(f"{prefix}.single.p99", percentile(single, 99), "µs", limit=percentile(bare_single, 99),
               limit_name="bare STRtree query")


def run(ctx: Context) -> None:
    from grids import layout
    from grids.locator import get_index

    count = _build_demo_grids(ctx.tiny)
    ctx.dataset["locate_grids"] = count
    import shapely

    bbox: tuple[float, ...] = tuple(layout.CITY_BBOX)
    if ctx.tiny:
        tree = get_index(max_age=0).tree
        assert tree is not None
        bbox = tuple(shapely.total_bounds(tree.geometries))
    _measure(ctx, "locate", bbox, 2000 if ctx.tiny else 200_000, 200 if ctx.tiny else 20_000)
    n = 2000 if ctx.tiny else 100_000
    bbox = _build_province_grids(n)
    ctx.dataset["locate100k_grids"] = len(get_index(max_age=0))
    _measure(ctx, "locate100k", bbox, 2000 if ctx.tiny else 200_000, 200 if ctx.tiny else 20_000)
