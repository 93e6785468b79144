"""The in-process spatial index behind locating (定位): one per process, shared by all requests.

`get_index()` returns a module-level `GridIndex` (a shapely STRtree over every active grid plus
parallel arrays: id, code, name, type, village code) and division names, so a lookup does no SQL.
It is rebuilt when `core.cachegen.current("grids")` moves: every writer of grids calls
`cachegen.bump("grids")`, so every web and worker process picks up changes without a restart.
"""
from __future__ import annotations

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

    def __len__(self) -> int:
        return len(self.ids)

    def hits(self, lng: float, lat: float) -> list[int]:
        """Indices of the grids containing (or touching) the point."""
        if self.tree is None:
            return []
        return self.tree.query(shapely.Point(lng, lat), predicate="intersects").tolist()

    def hits_many(self, lngs: Any, lats: Any) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised: (point index, grid index) pairs for every containing grid."""
        if self.tree is None:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
        pairs = self.tree.query(shapely.points(np.asarray(lngs, dtype=float), np.asarray(lats, dtype=float)),
                                predicate="intersects")
        return pairs[0], pairs[1]

    def division(self, code: str | None) -> dict | None:
        if not code:
            return None
        return {"code": code, "name": self.division_names.get(code, "")}


def build_index(generation: int) -> GridIndex:
    from divisions.models import Division
    from grids.choices import GridStatus, GridType
    from grids.models import Grid

    rows = list(Grid.objects.filter(status=GridStatus.ACTIVE).order_by("id")
                .values_list("id", "code", "name", "type", "village_id", "division_id", "geometry"))
    names = dict(Division.objects.values_list("code", "name"))
    geoms = shapely.from_geojson([r[6] for r in rows]) if rows else np.empty(0, dtype=object)
    if rows:
        shapely.prepare(geoms)
    return GridIndex(
        generation=generation,
        tree=STRtree(geoms) if rows else None,
        geoms=geoms,
        ids=[r[0] for r in rows],
        codes=[r[1] for r in rows],
        names=[r[2] for r in rows],
        comprehensive=[r[3] == GridType.COMPREHENSIVE for r in rows],
        villages=[r[4] or (r[5] if r[3] == GridType.COMPREHENSIVE else None) for r in rows],
        division_names=names,
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
        hits = [i for i in hits if prefix and index.codes[i].startswith(prefix)] if prefix else []
    hits.sort(key=lambda i: (not index.comprehensive[i], index.codes[i]))
    grids = [{"id": index.ids[i], "code": index.codes[i], "name": index.names[i],
              "type": "comprehensive" if index.comprehensive[i] else "specialised"} for i in hits]
    village = next((index.villages[i] for i in hits if index.villages[i]), None)
    some = village or (index.codes[hits[0]][:12] if hits else None)
    town = some[:9] + "000" if some else None
    county = some[:6] + "000000" if some else None
    return {"inside": bool(hits), "grids": grids, "village": index.division(village),
            "town": index.division(town), "county": index.division(county)}


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
    out: list[list[str]] = [[] for _ in range(len(lats))]
    codes = index.codes
    prefix = None if scope is None or scope.everything else (scope.prefix or "\0")
    for p, g in zip(point_idx.tolist(), grid_idx.tolist()):
        code = codes[g]
        if prefix is None or code.startswith(prefix):
            out[p].append(code)
    for row in out:
        if len(row) > 1:
            row.sort(key=lambda c: c[9:12] == "000")
    return out
