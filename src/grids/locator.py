"""The in-process spatial index behind locating (定位): one per process, shared by all requests.

`get_index()` returns a module-level `GridIndex` (a shapely STRtree over every active grid plus
parallel arrays: id, code, name, type, village code) and division names, so a lookup does no SQL.
It is rebuilt when `core.cachegen.current("grids")` moves: every writer of grids calls
`cachegen.bump("grids")`, so every web and worker process picks up changes without a restart.

**The rule for points on edges and corners** (one rule, the same in `locate` and `locate_many`):
a grid holds the points of its closed polygon, boundary included, so a point on an outer edge or
corner is in the grid. Among the grids the caller may see, a point held by several comprehensive
grids — on their shared edge or corner, or in a sliver below the import's 1 m² overlap tolerance —
belongs to the one with the **smallest code**; the others are not listed. Specialised grids overlay
comprehensive ones and may overlap each other, so every specialised grid holding the point is
listed. Both paths use the same exact predicate (GEOS `intersects`; the single-point path's pure
Python ray cast hands every point within rounding distance of an edge to GEOS).

**Bounded**: the single-point hash grid gives each grid at most `MAX_CELLS_PER_GRID` cells; a grid
wider than that (whatever its coordinates) goes to a short `wide` list tested for every point, so
the index is O(number of grids) in memory whatever the input.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from core import cachegen
from core.scoping import Scope
from grids import geo

CACHE_NAME = "grids"
_ROUND = re.compile(r"(\.\d{5})\d+")
_LOCK = threading.Lock()
_INDEX: GridIndex | None = None


@dataclass
class GridIndex:
    generation: int
    tree: STRtree | None
    geoms: np.ndarray
    ids: list[int]
    codes: list[str]
    names: list[str]
    comprehensive: list[bool]
    villages: list[str | None]
    division_names: dict[str, str] = field(default_factory=dict)
    # single-point fast path: a uniform hash grid of bounding boxes (cell → grid indices)
    cell: float = 0.01
    buckets: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)
    wide: tuple[int, ...] = ()  # grids spanning more than MAX_CELLS_PER_GRID cells: tested for every point
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    # per grid: polygon parts as rings of (xs, ys) for the pure-Python test, or None (then GEOS)
    rings: list[Any] = field(default_factory=list)
    # per grid: its answer row; per village code: its (village, town, county) answer dicts
    rows: list[dict] = field(default_factory=list)
    places: dict[str | None, tuple[dict | None, dict | None, dict | None]] = field(default_factory=dict)
    _codes: np.ndarray | None = None
    _masks: dict[str, Any] = field(default_factory=dict)  # per-index caches: scope masks, texts, code sets

    def __len__(self) -> int:
        return len(self.ids)

    def hits(self, lng: float, lat: float) -> list[int]:
        """Indices of the grids whose closed polygon holds the point (boundary included).

        Same answer as `tree.query(Point, predicate="intersects")`, several times faster for one
        point: a dictionary lookup, a bounding-box check, then a pure-Python ray cast on the few
        vertices of a grid (GEOS for detailed shapes, and for any point within rounding distance
        of an edge, so the answer on edges is GEOS's exact one), because a GEOS call through
        numpy's ufunc machinery costs more than the whole test on 5 vertices."""
        cell = self.cell
        out = []
        candidates = self.buckets.get((int(lng // cell), int(lat // cell)), ())
        if self.wide:
            candidates = candidates + self.wide
        for i in candidates:
            x0, y0, x1, y1 = self.boxes[i]
            if x0 <= lng <= x1 and y0 <= lat <= y1:
                parts = self.rings[i]
                inside = _in_parts(parts, lng, lat) if parts is not None else NEAR
                if inside is NEAR:
                    inside = _intersects_xy(self.geoms[i], lng, lat)
                if inside:
                    out.append(i)
        return out

    def hits_many(self, lngs: Any, lats: Any) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised: (point index, grid index) pairs for every containing grid."""
        if self.tree is None:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
        pairs = self.tree.query(shapely.points(np.asarray(lngs, dtype=float), np.asarray(lats, dtype=float)),
                                predicate="intersects")
        return pairs[0], pairs[1]

    @property
    def specialised_codes(self) -> frozenset[str]:
        codes = self._masks.get("specialised")
        if codes is None:
            codes = frozenset(c for c, comp in zip(self.codes, self.comprehensive, strict=False) if not comp)
            self._masks["specialised"] = codes
        return codes

    @property
    def code_array(self) -> np.ndarray:
        if self._codes is None:
            self._codes = np.array(self.codes, dtype=object)
        return self._codes

    def scope_mask(self, prefix: str) -> np.ndarray:
        """Which grids a scope (code prefix) may see, cached per prefix for this index (at most
        MAX_CACHED_MASKS prefixes: a province has thousands of divisions)."""
        mask = self._masks.get(prefix)
        if mask is None:
            if len(self._masks) >= MAX_CACHED_MASKS:
                self._masks = {k: v for k, v in self._masks.items() if k and not k.isdigit()}
            mask = np.array([bool(prefix) and c.startswith(prefix) for c in self.codes], dtype=bool)
            self._masks[prefix] = mask
        return mask

    def geojson_texts(self, tolerance: float) -> list[str]:
        """GeoJSON text of every grid, simplified (and rounded to 1e-5°) for wide map views;
        computed once per index and tolerance."""
        key = f"geojson:{tolerance}"
        texts = self._masks.get(key)
        if texts is None:
            geoms = self.geoms
            if tolerance:
                geoms = shapely.set_precision(shapely.simplify(geoms, tolerance, preserve_topology=True), 1e-5)
            texts = [_ROUND.sub(r"\1", t) for t in shapely.to_geojson(geoms).tolist()]
            self._masks[key] = texts
        return texts


_intersects_xy = shapely.intersects_xy
MAX_PY_VERTICES = 64  # above this, GEOS on the prepared polygon is faster than a Python loop
NEAR = 2  # "within rounding distance of an edge": the caller asks GEOS
# Shewchuk's error bound for the orientation determinant's fast path ((3 + 16ε)ε, ε = 2⁻⁵³): when
# |det| exceeds it times the magnitudes, its sign is exact.
_ERR = (3.0 + 16.0 * 2.0 ** -53) * 2.0 ** -53


def _in_ring(xs: list[float], ys: list[float], x: float, y: float) -> int:
    """1 inside the ring, 0 outside, NEAR on or within rounding distance of its boundary.

    Crossing-number test with the orientation determinant's sign (exact outside the error bound);
    a point exactly on a vertex or a horizontal edge is caught by the exact comparisons."""
    inside = 0
    j = len(xs) - 1
    for i in range(len(xs)):
        yi, yj = ys[i], ys[j]
        if (yi > y) != (yj > y):
            xi = xs[i]
            a = (xs[j] - xi) * (y - yi)
            b = (x - xi) * (yj - yi)
            det = a - b
            if -_ERR * (abs(a) + abs(b)) <= det <= _ERR * (abs(a) + abs(b)):
                return NEAR
            if (det > 0) == (yj > yi):
                inside ^= 1
        elif yi == y and (x == xs[i] or (yj == y and (xs[i] <= x <= xs[j] or xs[j] <= x <= xs[i]))):
            return NEAR
        j = i
    return inside


def _in_parts(parts: Any, x: float, y: float) -> int:
    """Inside a (multi)polygon: inside some part's exterior and none of its holes; NEAR when the
    point is within rounding distance of any ring it was tested against."""
    for rings in parts:
        outer = _in_ring(rings[0][0], rings[0][1], x, y)
        if outer == NEAR:
            return NEAR
        if outer:
            for hole in rings[1:]:
                h = _in_ring(hole[0], hole[1], x, y)
                if h == NEAR:
                    return NEAR
                if h:
                    break
            else:
                return 1
    return 0


def _rings(geom: Any) -> Any:
    """A polygon's parts as rings of coordinate lists, or None when it is too detailed."""
    if shapely.get_num_coordinates(geom) > MAX_PY_VERTICES:
        return None
    parts = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    out = []
    for part in parts:
        rings = []
        for ring in (part.exterior, *part.interiors):
            coords = shapely.get_coordinates(ring)
            rings.append((coords[:, 0].tolist(), coords[:, 1].tolist()))
        out.append(rings)
    return out


MAX_CELLS_PER_GRID = 64
MAX_CACHED_MASKS = 256


def _buckets(boxes: np.ndarray) -> tuple[float, dict[tuple[int, int], tuple[int, ...]], tuple[int, ...]]:
    """A uniform hash grid of bounding boxes: (cell size, cell → grid indices, wide grids).

    The cell is the median grid size, so a typical grid covers one to four cells. A grid covering
    more than MAX_CELLS_PER_GRID cells (a huge polygon, or coordinates in another unit) is not
    spread over cells but listed in `wide`: the structure stays at most 64 entries per grid."""
    sizes = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    finite = np.isfinite(sizes)
    cell = float(max(np.median(sizes[finite]), 1e-4)) if finite.any() else 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        lo = np.floor_divide(boxes[:, :2], cell)
        hi = np.floor_divide(boxes[:, 2:], cell)
        spans = (hi[:, 0] - lo[:, 0] + 1) * (hi[:, 1] - lo[:, 1] + 1)
    small = np.isfinite(spans) & (spans <= MAX_CELLS_PER_GRID) & np.isfinite(lo).all(axis=1)
    wide = tuple(np.flatnonzero(~small).tolist())
    found: dict[tuple[int, int], list[int]] = {}
    rows = np.flatnonzero(small)
    for i, (ax, ay, bx, by) in zip(rows.tolist(), np.hstack([lo[rows], hi[rows]]).astype(np.int64).tolist(), strict=False):
        for ix in range(ax, bx + 1):
            for iy in range(ay, by + 1):
                found.setdefault((ix, iy), []).append(i)
    return cell, {k: tuple(v) for k, v in found.items()}, wide


def build_index(generation: int) -> GridIndex:
    from divisions.models import Division
    from grids.choices import GridStatus, GridType
    from grids.models import Grid

    rows = list(Grid.objects.filter(status=GridStatus.ACTIVE).order_by("id")
                .values_list("id", "code", "name", "type", "village_id", "division_id", "geometry"))
    names = dict(Division.objects.values_list("code", "name"))
    geoms = shapely.from_geojson([r[6] for r in rows]) if rows else np.empty(0, dtype=object)
    cell = 0.01
    buckets: dict[tuple[int, int], tuple[int, ...]] = {}
    wide: tuple[int, ...] = ()
    boxes: list[tuple[float, float, float, float]] = []
    if rows:
        shapely.prepare(geoms)
        bounds = shapely.bounds(geoms)
        cell, buckets, wide = _buckets(bounds)
        boxes = [tuple(b) for b in bounds.tolist()]
    ids = [r[0] for r in rows]
    codes = [r[1] for r in rows]
    grid_names = [r[2] for r in rows]
    comprehensive = [r[3] == GridType.COMPREHENSIVE for r in rows]
    villages = [r[4] or (r[5] if r[3] == GridType.COMPREHENSIVE else None) for r in rows]
    answer_rows = [{"id": i, "code": c, "name": n, "type": "comprehensive" if comp else "specialised"}
                   for i, c, n, comp in zip(ids, codes, grid_names, comprehensive, strict=False)]
    places: dict[str | None, tuple[dict | None, dict | None, dict | None]] = {}

    def ref(d: str | None) -> dict | None:
        return {"code": d, "name": names.get(d, "")} if d else None

    for code in set(villages) | {c[:12] for c in codes}:
        if code:
            places[code] = (ref(code if code[9:] != "000" else None), ref(code[:9] + "000"), ref(code[:6] + "000000"))
    return GridIndex(
        rings=[_rings(g) for g in geoms],
        division_names=names,
        rows=answer_rows,
        places=places,
        generation=generation,
        tree=STRtree(geoms) if rows else None,
        geoms=geoms,
        ids=ids,
        codes=codes,
        names=grid_names,
        comprehensive=comprehensive,
        villages=villages,
        cell=cell,
        buckets=buckets,
        wide=wide,
        boxes=boxes,
    )


def get_index(max_age: float | None = None) -> GridIndex:
    """The current index; rebuilt once when the grids generation moved (checked every TTL)."""
    global _INDEX
    gen = cachegen.current(CACHE_NAME, max_age)
    index = _INDEX
    if index is None or index.generation != gen:
        with _LOCK:
            index = _INDEX
            if index is None or index.generation != gen:
                index = build_index(gen)
                _INDEX = index
    return index


def forget() -> None:
    """Drop this process's index (tests: simulate a fresh process)."""
    global _INDEX
    _INDEX = None


def _assign(index: GridIndex, hits: list[int]) -> list[int]:
    """The edge rule on a point's hits (already scoped): comprehensive first, only the one with the
    smallest code; then every specialised grid, by code."""
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda i: (not index.comprehensive[i], index.codes[i]))
    if index.comprehensive[hits[0]]:
        return hits[:1] + [i for i in hits[1:] if not index.comprehensive[i]]
    return hits


def _answer(index: GridIndex, hits: list[int], scope: Scope | None) -> dict:
    if scope is not None and not scope.everything:
        prefix = scope.prefix
        hits = [i for i in hits if index.codes[i].startswith(prefix)] if prefix else []
    hits = _assign(index, hits)
    village = next((index.villages[i] for i in hits if index.villages[i]), None)
    some = village or (index.codes[hits[0]][:12] if hits else None)
    place = index.places.get(some) or (None, None, None)
    return {"inside": bool(hits), "grids": [dict(index.rows[i]) for i in hits],
            "village": place[0] if village else None, "town": place[1], "county": place[2]}


def locate(lat: float, lng: float, crs: str = "wgs84", scope: Scope | None = None) -> dict:
    """Which grids contain the point, and its village, town and county. `scope` limits the answer
    to grids the user may see (outside them the answer is `inside: false`)."""
    if crs == "gcj02":
        lng, lat = geo.gcj02_to_wgs84(lng, lat)
    index = get_index()
    answer = _answer(index, index.hits(lng, lat), scope)
    answer["point"] = [lng, lat]
    return answer


def locate_many(lats: Any, lngs: Any, crs: str = "wgs84", scope: Scope | None = None) -> list[list[str]]:
    """Bulk path: for each point, the codes of the grids holding it by the edge rule (the module
    docstring): at most one comprehensive grid, first, then the specialised ones by code."""
    lats = np.asarray(lats, dtype=float)
    lngs = np.asarray(lngs, dtype=float)
    if crs == "gcj02":
        pairs = [geo.gcj02_to_wgs84(x, y) for x, y in zip(lngs.tolist(), lats.tolist(), strict=False)]
        lngs = np.array([p[0] for p in pairs])
        lats = np.array([p[1] for p in pairs])
    index = get_index()
    point_idx, grid_idx = index.hits_many(lngs, lats)
    if scope is not None and not scope.everything:
        keep = index.scope_mask(scope.prefix or "")[grid_idx]
        point_idx, grid_idx = point_idx[keep], grid_idx[keep]
    out: list[list[str]] = [[] for _ in range(len(lats))]
    codes = index.code_array[grid_idx].tolist()
    for p, code in zip(point_idx.tolist(), codes, strict=False):
        out[p].append(code)
    special = None
    for n, row in enumerate(out):
        if len(row) > 1:  # the edge rule (see the module docstring), as `_assign`
            special = special if special is not None else index.specialised_codes
            row.sort(key=lambda c: (c in special, c))
            if row[0] not in special:
                out[n] = row[:1] + [c for c in row[1:] if c in special]
    return out
