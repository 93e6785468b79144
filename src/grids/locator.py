"""The in-process spatial index behind locating (定位): one per process, shared by all requests.

`get_index()` returns a module-level `GridIndex` (a shapely STRtree over every active grid plus
parallel arrays: id, code, name, type, village code) and division names, so a lookup does no SQL.
It is rebuilt when `core.cachegen.current("grids")` moves: every writer of grids calls
`cachegen.bump("grids")`, so every web and worker process picks up changes without a restart.
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
_INDEX: "GridIndex | None" = None


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
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    # per grid: polygon parts as rings of (xs, ys) for the pure-Python test, or None (then GEOS)
    rings: list[Any] = field(default_factory=list)
    # per grid: its answer row; per village code: its (village, town, county) answer dicts
    rows: list[dict] = field(default_factory=list)
    places: dict[str | None, tuple[dict | None, dict | None, dict | None]] = field(default_factory=dict)
    _codes: np.ndarray | None = None
    _masks: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def hits(self, lng: float, lat: float) -> list[int]:
        """Indices of the grids containing (or touching) the point.

        Same answer as `tree.query(Point, predicate="intersects")` (but for points exactly on an
        edge), several times faster for one point: a dictionary lookup, a bounding-box check, then
        a pure-Python ray cast on the few vertices of a grid (GEOS for detailed shapes), because a
        GEOS call through numpy's ufunc machinery costs more than the whole test on 5 vertices."""
        cell = self.cell
        out = []
        for i in self.buckets.get((int(lng // cell), int(lat // cell)), ()):
            x0, y0, x1, y1 = self.boxes[i]
            if x0 <= lng <= x1 and y0 <= lat <= y1:
                parts = self.rings[i]
                if parts is None:
                    if _intersects_xy(self.geoms[i], lng, lat):
                        out.append(i)
                elif _in_parts(parts, lng, lat):
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
    def code_array(self) -> np.ndarray:
        if self._codes is None:
            self._codes = np.array(self.codes, dtype=object)
        return self._codes

    def scope_mask(self, prefix: str) -> np.ndarray:
        """Which grids a scope (code prefix) may see, cached per prefix for this index."""
        mask = self._masks.get(prefix)
        if mask is None:
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
            self._masks[key] = texts  # type: ignore[assignment]
        return texts  # type: ignore[return-value]


_intersects_xy = shapely.intersects_xy
MAX_PY_VERTICES = 64  # above this, GEOS on the prepared polygon is faster than a Python loop


def _in_ring(xs: list[float], ys: list[float], x: float, y: float) -> bool:
    inside = False
    j = len(xs) - 1
    for i in range(len(xs)):
        yi, yj = ys[i], ys[j]
        if (yi > y) != (yj > y) and x < (xs[j] - xs[i]) * (y - yi) / (yj - yi) + xs[i]:
            inside = not inside
        j = i
    return inside


def _in_parts(parts: Any, x: float, y: float) -> bool:
    """Inside a (multi)polygon: inside some part's exterior and none of its holes."""
    for rings in parts:
        if _in_ring(*rings[0], x, y) and not any(_in_ring(*hole, x, y) for hole in rings[1:]):
            return True
    return False


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


def _buckets(boxes: np.ndarray) -> tuple[float, dict[tuple[int, int], tuple[int, ...]]]:
    sizes = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    cell = float(max(np.median(sizes), 1e-4))
    lo = np.floor_divide(boxes[:, :2], cell).astype(int)
    hi = np.floor_divide(boxes[:, 2:], cell).astype(int)
    found: dict[tuple[int, int], list[int]] = {}
    for i, (ax, ay, bx, by) in enumerate(np.hstack([lo, hi]).tolist()):
        for ix in range(ax, bx + 1):
            for iy in range(ay, by + 1):
                found.setdefault((ix, iy), []).append(i)
    return cell, {k: tuple(v) for k, v in found.items()}


def build_index(generation: int) -> GridIndex:
    from divisions.models import Division
    from grids.choices import GridStatus, GridType
    from grids.models import Grid

    rows = list(Grid.objects.filter(status=GridStatus.ACTIVE).order_by("id")
                .values_list("id", "code", "name", "type", "village_id", "division_id", "geometry"))
    names = dict(Division.objects.values_list("code", "name"))
    geoms = shapely.from_geojson([r[6] for r in rows]) if rows else np.empty(0, dtype=object)
    cell, buckets, boxes = 0.01, {}, []
    if rows:
        shapely.prepare(geoms)
        bounds = shapely.bounds(geoms)
        cell, buckets = _buckets(bounds)
        boxes = [tuple(b) for b in bounds.tolist()]
    ids = [r[0] for r in rows]
    codes = [r[1] for r in rows]
    grid_names = [r[2] for r in rows]
    comprehensive = [r[3] == GridType.COMPREHENSIVE for r in rows]
    villages = [r[4] or (r[5] if r[3] == GridType.COMPREHENSIVE else None) for r in rows]
    answer_rows = [{"id": i, "code": c, "name": n, "type": "comprehensive" if comp else "specialised"}
                   for i, c, n, comp in zip(ids, codes, grid_names, comprehensive)]
    places = {}
    for code in set(villages) | {c[:12] for c in codes}:
        if code:
            places[code] = tuple({"code": d, "name": names.get(d, "")} if d else None
                                 for d in (code if code[9:] != "000" else None, code[:9] + "000",
                                           code[:6] + "000000"))
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


def _answer(index: GridIndex, hits: list[int], scope: Scope | None) -> dict:
    if scope is not None and not scope.everything:
        prefix = scope.prefix
        hits = [i for i in hits if index.codes[i].startswith(prefix)] if prefix else []
    if len(hits) > 1:
        hits.sort(key=lambda i: (not index.comprehensive[i], index.codes[i]))
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
    """Bulk path: for each point, the codes of the grids containing it (comprehensive first)."""
    lats = np.asarray(lats, dtype=float)
    lngs = np.asarray(lngs, dtype=float)
    if crs == "gcj02":
        pairs = [geo.gcj02_to_wgs84(x, y) for x, y in zip(lngs.tolist(), lats.tolist())]
        lngs = np.array([p[0] for p in pairs])
        lats = np.array([p[1] for p in pairs])
    index = get_index()
    point_idx, grid_idx = index.hits_many(lngs, lats)
    if scope is not None and not scope.everything:
        keep = index.scope_mask(scope.prefix or "")[grid_idx]
        point_idx, grid_idx = point_idx[keep], grid_idx[keep]
    out: list[list[str]] = [[] for _ in range(len(lats))]
    codes = index.code_array[grid_idx].tolist()
    for p, code in zip(point_idx.tolist(), codes):
        out[p].append(code)
    for row in out:
        if len(row) > 1:
            row.sort(key=lambda c: c[9:12] == "000")  # comprehensive first
    return out
