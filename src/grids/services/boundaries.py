"""Grid boundaries: import (every check), export, retire, bulk create.

Every change to grids bumps the `grids` cache generation (on commit), so every process's
locating index is rebuilt.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.db import transaction
from shapely import STRtree

from core import audit, cachegen
from core.scoping import Scope
from divisions.choices import Level
from divisions.models import Division
from grids import geo, locator
from grids.choices import (
    GridStatus,
    GridType,
    SpecialCategory,
    VersionAction,
)
from grids.models import Grid, GridVersion

GRID_FIELDS = ("code", "name", "type", "category", "status", "geometry")
# A grid wider or taller than this (degrees, ≈ 220 km) is a wrong file, not a grid: refused at import.
MAX_GRID_EXTENT_DEG = 2.0
# An overlap with a grid outside the importer's scope: refused, naming and measuring nothing.
HIDDEN_CONFLICT = "与已有网格冲突（边界重叠），未导入；请核对边界"


# --- import / export -----------------------------------------------------------------------------
@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "created_codes": self.created, "updated_codes": self.updated, "dry_run": self.dry_run,
                "problems": self.problems}


@dataclass
class _Planned:
    index: int
    code: str
    name: str
    type: str
    category: str
    status: str
    geometry: str
    shape: Any
    division: Division


def _problem(problems: list[dict], index: int | None, code: str, message: str) -> None:
    where = f"第 {index + 1} 个要素" if index is not None else "校验"
    problems.append({"index": index, "code": code, "message": message,
                     "text": f"{where}{f'（{code}）' if code else ''}：{message}"})


def _parse(collection: Any, scope: Scope, problems: list[dict], crs: str | None = None) -> list[_Planned]:
    """Every feature checked on its own: properties (RFC 7946 allows `null`), code, type, division
    and scope, then the geometry: structure, lon/lat in China (a projected file, or one with latitude
    and longitude swapped, is refused before any area is computed from it), validity."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        _problem(problems, None, "", "文件不是 GeoJSON FeatureCollection")
        return []
    try:
        file_crs = geo.crs_of(collection)
    except geo.CrsProblem as exc:
        _problem(problems, None, "", str(exc))  # one problem for the file; no feature is looked at
        return []
    source_crs = file_crs if file_crs != "wgs84" or crs is None else crs
    length = geo.code_length()
    features = collection["features"]

    def props_of(feature: Any) -> dict:
        props = feature.get("properties") if isinstance(feature, dict) else None
        return props if isinstance(props, dict) else {}

    divisions = {d.code: d for d in Division.objects.filter(
        code__in={str(props_of(f).get("code", "")).strip()[:12] for f in features})}
    seen: dict[str, int] = {}
    planned: list[_Planned] = []
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            _problem(problems, i, "", "不是 GeoJSON Feature")
            continue
        raw_props = feature.get("properties")
        if raw_props is not None and not isinstance(raw_props, dict):
            _problem(problems, i, "", "properties 须为对象或 null")
            continue
        props = raw_props or {}
        code = str(props.get("code", "")).strip()
        before = len(problems)
        if not code:
            _problem(problems, i, code, f"缺少网格编码（properties.code，{length} 位数字）")
        elif not (code.isdigit() and len(code) == length):
            _problem(problems, i, code, f"网格编码必须是 {length} 位数字")
        elif code in seen:
            _problem(problems, i, code, f"编码与第 {seen[code] + 1} 个要素重复")
        seen.setdefault(code, i)
        gtype = props.get("type") or GridType.COMPREHENSIVE
        if gtype not in GridType.values:
            _problem(problems, i, code, "网格类型必须是 comprehensive（综合网格）或 specialised（专属网格）")
        category = props.get("category") or ""
        if category and category not in SpecialCategory.values:
            _problem(problems, i, code, f"专属类别“{category}”不存在")
        status = props.get("status") or GridStatus.ACTIVE
        if status not in GridStatus.values:
            _problem(problems, i, code, "状态必须是 active 或 retired")
        division = divisions.get(code[:12]) if len(code) >= 12 else None
        if code and division is None:
            _problem(problems, i, code, f"编码前 12 位 {code[:12]} 不是已知的行政区划")
        elif division is not None:
            if gtype == GridType.COMPREHENSIVE and division.level != Level.VILLAGE:
                _problem(problems, i, code, "综合网格编码须为 县6+乡镇3+村3+序号，前 12 位应是村（社区）代码")
            if gtype == GridType.SPECIALISED and division.level != Level.TOWN:
                _problem(problems, i, code, "专属网格编码须为 乡镇代码+000+序号，前 12 位应是乡镇（街道）代码")
            if not scope.covers(division.code):
                _problem(problems, i, code, "不在您的管辖范围内")
        shape, text = _parse_geometry(feature.get("geometry"), source_crs, i, code, problems)
        if len(problems) == before and shape is not None and division is not None:
            planned.append(_Planned(i, code, str(props.get("name") or code), gtype, category, status, text, shape,
                                    division))
    return planned


def _parse_geometry(geometry: Any, source_crs: str, i: int, code: str,
                    problems: list[dict]) -> tuple[Any, str]:
    """(shape, normalised GeoJSON text) of a feature's geometry, or (None, "") with the problem listed."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        _problem(problems, i, code, "几何必须是 Polygon 或 MultiPolygon")
        return None, ""
    structure = geo.ring_problem(geometry)
    if structure:
        _problem(problems, i, code, structure)
        return None, ""
    try:
        shape = geo.to_shape(geo.normalise_geometry(geometry))
    except Exception:  # noqa: BLE001 - any parse failure is the user's data, reported
        _problem(problems, i, code, "几何坐标无法解析")
        return None, ""
    if shape.is_empty:
        _problem(problems, i, code, "几何为空")
        return None, ""
    lonlat = geo.lonlat_problem(tuple(shape.bounds))
    if lonlat:
        _problem(problems, i, code, lonlat)
        return None, ""
    if source_crs == "gcj02":
        geometry = geo.gcj02_geometry_to_wgs84(geometry)
        shape = geo.to_shape(geo.normalise_geometry(geometry))
    minx, miny, maxx, maxy = shape.bounds
    if max(maxx - minx, maxy - miny) > MAX_GRID_EXTENT_DEG:
        _problem(problems, i, code, f"网格范围过大（跨度超过 {MAX_GRID_EXTENT_DEG:g}°，约 "
                                    f"{MAX_GRID_EXTENT_DEG * 111:.0f} 公里），不像一个网格")
        return None, ""
    if not shape.is_valid:
        _problem(problems, i, code, geo.invalid_reason(shape))
        return None, ""
    return shape, geo.normalise_geometry(geometry)


def _check_topology(planned: list[_Planned], problems: list[dict], scope: Scope) -> None:
    """Comprehensive grids must not overlap each other and must cover their village's boundary.

    Existing grids outside the importer's scope are compared (an overlap with them is still
    refused) but never named nor measured: the problem says only that the grid conflicts with an
    existing grid, once per feature, as for any conflict the importer cannot see."""
    index = locator.get_index(max_age=0)
    replaced = {p.code for p in planned}
    final = [p for p in planned if p.type == GridType.COMPREHENSIVE and p.status == GridStatus.ACTIVE]
    # existing comprehensive grids that stay as they are, near the incoming ones
    existing: dict[int, Any] = {}
    if final and index.tree is not None:
        _, near = index.tree.query([p.shape for p in final])
        for i in set(near.tolist()):
            if index.comprehensive[i] and index.codes[i] not in replaced:
                existing[i] = index.geoms[i]
    shapes = [p.shape for p in final] + list(existing.values())
    labels = [(p.index, p.code) for p in final] + [(None, index.codes[i]) for i in existing]
    hidden = {k for k, i in enumerate(existing, start=len(final)) if not scope.covers(index.codes[i])}
    if len(shapes) > 1:
        tree = STRtree(shapes)
        left, right = tree.query(shapes, predicate="intersects")
        conflicted: set[int] = set()
        for a, b in zip(left.tolist(), right.tolist(), strict=False):
            if a >= b or a >= len(final):
                continue
            area = geo.area_m2(shapes[a].intersection(shapes[b]))
            if area <= geo.AREA_TOLERANCE_M2:
                continue
            if b in hidden:
                if a not in conflicted:
                    conflicted.add(a)
                    _problem(problems, labels[a][0], labels[a][1], HIDDEN_CONFLICT)
            else:
                _problem(problems, labels[a][0], labels[a][1], f"与综合网格 {labels[b][1]} 重叠约 {area:.0f} 平方米")
    villages = {p.division.code for p in final} | {p.division.code for p in planned
                                                    if p.type == GridType.COMPREHENSIVE}
    kept: dict[str, list[Any]] = {}
    for i in range(len(index)):
        village_code = index.villages[i]
        if index.comprehensive[i] and village_code and village_code in villages and index.codes[i] not in replaced:
            kept.setdefault(village_code, []).append(index.geoms[i])
    for village in Division.objects.filter(code__in=villages).exclude(boundary=""):
        boundary = geo.to_shape(village.boundary)
        mine = [p.shape for p in final if p.division.code == village.code]
        mine += kept.get(village.code, [])
        union = shapely.union_all(mine) if mine else shapely.Polygon()
        gap = geo.area_m2(boundary.difference(union))
        if gap > geo.AREA_TOLERANCE_M2:
            _problem(problems, None, village.code,
                     f"{village.name} 的综合网格未覆盖村（社区）边界，缺口约 {gap:.0f} 平方米")
        for p in final:
            if p.division.code == village.code:
                outside = geo.area_m2(p.shape.difference(boundary))
                if outside > geo.AREA_TOLERANCE_M2:
                    _problem(problems, p.index, p.code, f"超出 {village.name} 边界约 {outside:.0f} 平方米")


def _check_towns(planned: list[_Planned], problems: list[dict]) -> None:
    """Specialised grids may cross village lines but stay inside their town (where its boundary is known)."""
    special = [p for p in planned if p.type == GridType.SPECIALISED and p.status == GridStatus.ACTIVE]
    towns = {t.code: t for t in Division.objects.filter(code__in={p.division.code for p in special}).exclude(boundary="")}
    for p in special:
        town = towns.get(p.division.code)
        if town is not None:
            outside = geo.area_m2(p.shape.difference(geo.to_shape(town.boundary)))
            if outside > geo.AREA_TOLERANCE_M2:
                _problem(problems, p.index, p.code, f"超出 {town.name} 边界约 {outside:.0f} 平方米")


def _village_of(shape: Any, town_code: str) -> str | None:
    index = locator.get_index(max_age=0)
    x, y = geo.representative(shape)
    for i in index.hits(x, y):
        if index.comprehensive[i] and index.codes[i].startswith(town_code[:9]):
            return index.villages[i]
    return None


def _version(grid: Grid, action: str, before: dict | None, note: str = "") -> GridVersion:
    return GridVersion.objects.create(
        grid=grid, version=grid.version, action=action,
        code_before=(before or {}).get("code", ""), geometry_before=(before or {}).get("geometry", ""),
        status_before=(before or {}).get("status", ""), note=note[:200], actor_name=audit.current_actor()[1][:150])


def _fill_shape_fields(grid: Grid, shape: Any) -> None:
    grid.centroid_lng, grid.centroid_lat = geo.representative(shape)
    grid.area_m2 = round(geo.area_m2(shape), 1)


@transaction.atomic
def grids_import(*, collection: Any, scope: Scope, dry_run: bool = False, note: str = "GeoJSON 导入",
                 crs: str | None = None) -> ImportResult:
    """Validate a FeatureCollection, then create or update grids by code. Any problem refuses
    the whole import, listing every problem, and changes nothing.

    Coordinates: WGS84 or CGCS2000 longitude/latitude (no `crs` member, OGC CRS84, EPSG:4326 or
    EPSG:4490 in any of the URN/URL forms), or GCJ-02 (a `crs` named GCJ02, or `crs="gcj02"` from
    the importer), converted to WGS84 before storing. Anything else is refused ("坐标不是经纬度…")."""
    result = ImportResult(dry_run=dry_run)
    planned = _parse(collection, scope, result.problems, crs)
    _check_towns(planned, result.problems)
    _check_topology(planned, result.problems, scope)  # on every well-formed feature: list all problems at once
    if result.problems:
        result.problems.sort(key=lambda p: (p["index"] is None, p["index"] or 0))
        transaction.set_rollback(True)
        return result
    existing = {g.code: g for g in Grid.objects.filter(code__in=[p.code for p in planned])}
    for p in planned:
        grid = existing.get(p.code)
        if grid is None:
            result.created.append(p.code)
        elif (grid.name, grid.type, grid.category, grid.status, grid.geometry, grid.division_id) == \
                (p.name, p.type, p.category, p.status, p.geometry, p.division.code):
            result.unchanged.append(p.code)
        else:
            result.updated.append(p.code)
    if dry_run:
        transaction.set_rollback(True)
        return result
    for p in planned:
        grid = existing.get(p.code)
        if p.code in result.unchanged:
            continue
        village = p.division.code if p.type == GridType.COMPREHENSIVE else _village_of(p.shape, p.division.code)
        if grid is None:
            grid = Grid(code=p.code, name=p.name, type=p.type, category=p.category, status=p.status,
                        division=p.division, village_id=village, geometry=p.geometry)
            _fill_shape_fields(grid, p.shape)
            grid.save()
            _version(grid, VersionAction.CREATE, None, note)
        else:
            before = {f: getattr(grid, f) for f in GRID_FIELDS}
            grid.name, grid.type, grid.category, grid.status = p.name, p.type, p.category, p.status
            grid.division, grid.village_id, grid.geometry = p.division, village, p.geometry
            _fill_shape_fields(grid, p.shape)
            grid.version += 1
            grid.save()
            action = VersionAction.RETIRE if p.status == GridStatus.RETIRED and before["status"] != p.status \
                else VersionAction.UPDATE
            _version(grid, action, before, note)
    cachegen.bump(locator.CACHE_NAME)
    return result


def grids_export(*, grids: Any) -> dict:
    """A FeatureCollection of the given grids (the import format)."""
    features = []
    for g in grids.order_by("code"):
        features.append({"type": "Feature", "geometry": json.loads(g.geometry),
                         "properties": {"code": g.code, "name": g.name, "type": g.type, "category": g.category,
                                        "status": g.status, "village": g.village_id or "", "version": g.version}})
    return {"type": "FeatureCollection", "features": features}


@transaction.atomic
def grid_retire(*, grid: Grid, note: str = "") -> Grid:
    if grid.status == GridStatus.RETIRED:
        return grid
    before = {f: getattr(grid, f) for f in GRID_FIELDS}
    grid.status = GridStatus.RETIRED
    grid.version += 1
    grid.save()
    _version(grid, VersionAction.RETIRE, before, note or "停用")
    cachegen.bump(locator.CACHE_NAME)
    return grid


def grids_bulk_create(*, grids: list[Grid], note: str = "批量生成") -> list[Grid]:
    """Insert many grids at once (demo, benchmarks): shape fields filled, versions and audit written."""
    shapes = shapely.from_geojson([g.geometry for g in grids])
    for g, s in zip(grids, shapes, strict=False):
        if not g.centroid_lng:
            _fill_shape_fields(g, s)
    Grid.objects.bulk_create(grids, batch_size=1000)
    if grids and grids[0].pk is None:  # backends without RETURNING
        by_code = dict(Grid.objects.filter(code__in=[g.code for g in grids]).values_list("code", "id"))
        for g in grids:
            g.pk = g.id = by_code[g.code]
    versions = [GridVersion(grid=g, version=1, action=VersionAction.CREATE, note=note, actor_name="load_demo")
                for g in grids]
    GridVersion.objects.bulk_create(versions, batch_size=2000)
    audit.record_bulk(grids)
    audit.record_bulk(versions)
    cachegen.bump(locator.CACHE_NAME)
    return grids
