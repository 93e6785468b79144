"""Synthetic but plausible geometry: counties around their seats, towns, villages and grids.

One generator serves the demo and the tests. Every level is an exact tiling of the level above
(treemap-style cuts along the longer side at weighted area fractions), so a village's
comprehensive grids cover its boundary without overlap, up to floating-point noise.
"""
from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import Polygon, box

from grids import geo

CITY_BBOX = (119.02, 32.25, 119.90, 33.42)  # lng min, lat min, lng max, lat max


def to_geojson(geom: Any) -> str:
    """GeoJSON text of a polygon, coordinates as exact floats (ring closed, exterior CCW)."""
    geom = shapely.orient_polygons(geom) if hasattr(shapely, "orient_polygons") else geom
    mapping = json.loads(shapely.to_geojson(geom))
    return geo.normalise_geometry(mapping)


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


def split(poly: Polygon, weights: Sequence[float]) -> list[Polygon]:
    """Split a convex polygon into len(weights) convex parts with areas proportional to weights."""
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
    return split(a, weights[:m]) + split(b, weights[m:])


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
