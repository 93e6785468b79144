"""Geometry helpers: GeoJSON text <-> shapely, areas in m², GCJ-02 -> WGS84, grid codes.

Coordinates are WGS84 [lng, lat]. Stored GeoJSON keeps the floats exactly as given (json
round-trips floats exactly), so an export imports back byte-for-byte unchanged.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

import shapely
from django.conf import settings
from shapely.geometry.base import BaseGeometry

# Overlaps and gaps smaller than this are floating-point noise, not mistakes (square metres).
AREA_TOLERANCE_M2 = 1.0
_M_PER_DEG_LAT = 110_940.0


def code_length() -> int:
    return int(getattr(settings, "GRID_CODE_LENGTH", 15))


def normalise_geometry(geometry: Any) -> str:
    """Compact, key-ordered GeoJSON text for a geometry dict (or text)."""
    if isinstance(geometry, str):
        geometry = json.loads(geometry)
    return json.dumps({"type": geometry["type"], "coordinates": geometry["coordinates"]},
                      separators=(",", ":"), ensure_ascii=False)


def to_shape(geojson_text: str) -> BaseGeometry:
    return shapely.from_geojson(geojson_text)


def deg2_to_m2(area_deg2: float, lat: float) -> float:
    return area_deg2 * _M_PER_DEG_LAT * _M_PER_DEG_LAT * math.cos(math.radians(lat))


def area_m2(geom: BaseGeometry) -> float:
    """Area in m² of a lon/lat geometry (never negative: callers check `lonlat_problem` first, and a
    latitude outside ±90° must not turn an area check into a pass)."""
    if geom.is_empty:
        return 0.0
    return abs(deg2_to_m2(geom.area, geom.centroid.y))


def representative(geom: BaseGeometry) -> tuple[float, float]:
    """A point guaranteed inside the polygon: (lng, lat)."""
    p = geom.representative_point()
    return p.x, p.y


def distance_m(coords: list[list[float]]) -> float:
    total = 0.0
    for (x1, y1), (x2, y2) in zip(coords, coords[1:], strict=False):
        dx = (x2 - x1) * _M_PER_DEG_LAT * math.cos(math.radians((y1 + y2) / 2))
        dy = (y2 - y1) * _M_PER_DEG_LAT
        total += math.hypot(dx, dy)
    return total


# --- GCJ-02 (国测局坐标, used by Chinese map SDKs and phones) -> WGS84 --------------------------
_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lng: float, lat: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _tlat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _tlng(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if _out_of_china(lng, lat):
        return lng, lat
    dlat = _tlat(lng - 105.0, lat - 35.0)
    dlng = _tlng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float, tolerance: float = 1e-9, max_iter: int = 30) -> tuple[float, float]:
    """Invert the GCJ-02 offset by fixed-point iteration (converges to ~1e-9° in a few steps)."""
    if _out_of_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _ in range(max_iter):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        dlng, dlat = glng - lng, glat - lat
        wlng, wlat = wlng - dlng, wlat - dlat
        if abs(dlng) < tolerance and abs(dlat) < tolerance:
            break
    return wlng, wlat


# --- grid codes ---------------------------------------------------------------------------------
def grid_code(division_code: str, sequence: int) -> str:
    """Comprehensive: village code (12) + sequence; specialised: town code (village part 000) + sequence."""
    width = code_length() - 12
    return f"{division_code[:12]}{sequence:0{width}d}"


def reading_order(points: list[tuple[float, float]], rows: int) -> list[int]:
    """Indices of `points` (lng, lat) in reading order: north→south bands, west→east inside a band."""
    if not points:
        return []
    ys = [p[1] for p in points]
    top, bottom = max(ys), min(ys)
    band = (top - bottom) / max(rows, 1) or 1.0
    return sorted(range(len(points)),
                  key=lambda i: (min(int((top - points[i][1]) / band), rows - 1) if rows else 0, points[i][0]))


# --- which coordinates a grid file may carry ------------------------------------------------------
# Accepted `crs` members (GeoJSON 2008, as ogr2ogr, QGIS and ArcGIS write them): WGS84 and CGCS2000
# longitude/latitude. CGCS2000 (EPSG:4490) and WGS84 differ by centimetres, far below a grid's
# precision, so both are stored as they are. GCJ-02 has no EPSG code; files name it "GCJ02" or the
# importer says so (`crs=gcj02`), and it is converted to WGS84.
LONLAT_EPSG = {4326: "WGS84", 4490: "CGCS2000"}
# Geographic systems on other datums: longitude/latitude, but off by up to ~100 m; not converted.
OTHER_DATUM_EPSG = {4214: "北京54", 4610: "西安80", 4612: "JGD2000", 4269: "NAD83"}
_EPSG = re.compile(r"EPSG(?::{1,2}|:[\d.]*:|/\d+/|\.IO/)(\d+)$", re.IGNORECASE)
_CRS84 = re.compile(r"(^|[:/])CRS:?84$", re.IGNORECASE)
_GCJ = re.compile(r"GCJ[-_ ]?0?2", re.IGNORECASE)
# China's extent (with the South China Sea islands): a grid of the platform lies inside it.
CHINA_LNG = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


class CrsProblem(Exception):
    """The file's `crs` member names coordinates the platform does not take (message in Chinese)."""


def crs_of(collection: dict) -> str:
    """The coordinate system of a FeatureCollection: "wgs84" (no member, RFC 7946; CRS84; EPSG:4326;
    EPSG:4490) or "gcj02". Raises `CrsProblem` naming the `crs` for anything else."""
    crs = collection.get("crs")
    if crs is None:
        return "wgs84"
    name = ""
    if isinstance(crs, dict):
        raw = crs.get("properties")
        props: dict = raw if isinstance(raw, dict) else {}
        if str(crs.get("type", "")).lower() == "epsg" and "code" in props:  # the 2008 draft's form
            name = f"EPSG:{props.get('code')}"
        else:
            name = str(props.get("name") or props.get("href") or "")
    elif isinstance(crs, str):
        name = crs
    name = name.strip()
    if _CRS84.search(name):
        return "wgs84"
    if _GCJ.search(name):
        return "gcj02"
    match = _EPSG.search(name)
    code = int(match.group(1)) if match else None
    if code in LONLAT_EPSG:
        return "wgs84"
    shown = name[:80] or json.dumps(crs, ensure_ascii=False)[:80]
    if code in OTHER_DATUM_EPSG:
        raise CrsProblem(f"坐标系不支持（crs {shown}，{OTHER_DATUM_EPSG[code]} 经纬度）：只接受 WGS84 或 CGCS2000 "
                         f"经纬度（EPSG:4326、EPSG:4490、OGC CRS84）或 GCJ-02，请先转换")
    raise CrsProblem(f"坐标不是经纬度（crs {shown} 不支持）：只接受 WGS84 或 CGCS2000 经纬度（EPSG:4326、EPSG:4490、"
                     f"OGC CRS84）或 GCJ-02，请先转换（如 ogr2ogr -t_srs EPSG:4326）")


def lonlat_problem(bounds: tuple[float, float, float, float]) -> str | None:
    """Why a geometry with these bounds (minx, miny, maxx, maxy) is not a lon/lat grid in China, or
    None. Projected metres fall outside ±180/±90; swapped axes put latitude where longitude belongs
    (China's longitudes, 73–136°, and latitudes, 3–54°, never overlap, so the swap is unambiguous)."""
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        return "坐标不是经纬度：含有非数值（NaN 或无穷大）"

    def in_china(x0: float, y0: float, x1: float, y1: float) -> bool:
        return CHINA_LNG[0] <= x0 and x1 <= CHINA_LNG[1] and CHINA_LAT[0] <= y0 and y1 <= CHINA_LAT[1]

    if in_china(minx, miny, maxx, maxy):
        return None
    if in_china(miny, minx, maxy, maxx):
        return "坐标不是经纬度顺序：纬度与经度颠倒了（GeoJSON 要求每个坐标先经度、后纬度）"
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return (f"坐标不是经纬度：数值超出经度 ±180°、纬度 ±90°（如 {maxx:.6g}, {maxy:.6g}），像是投影坐标（米）；"
                f"请转换为 WGS84 或 CGCS2000 经纬度")
    return (f"坐标不在中国境内（经度 {CHINA_LNG[0]:g}°–{CHINA_LNG[1]:g}°、纬度 {CHINA_LAT[0]:g}°–{CHINA_LAT[1]:g}°），"
            f"不是本平台的网格")


def ring_problem(geometry: dict) -> str | None:
    """Structural problems of a GeoJSON Polygon/MultiPolygon's coordinates, in Chinese, or None:
    positions of two or three numbers, rings of at least four positions, closed."""
    polygons = [geometry.get("coordinates")] if geometry.get("type") == "Polygon" else geometry.get("coordinates")
    if not isinstance(polygons, list) or not polygons:
        return "几何坐标为空或格式有误"
    for p, polygon in enumerate(polygons, 1):
        if not isinstance(polygon, list) or not polygon:
            return "几何坐标为空或格式有误"
        for r, ring in enumerate(polygon, 1):
            where = (f"第 {p} 个多边形的" if len(polygons) > 1 else "") + ("外环" if r == 1 else f"第 {r - 1} 个内环")
            if not isinstance(ring, list):
                return f"{where}格式有误"
            for position in ring:
                if not (isinstance(position, list) and 2 <= len(position) <= 3
                        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)):
                    return f"{where}的坐标须为 [经度, 纬度] 数值：{json.dumps(position, ensure_ascii=False)[:60]}"
            if len(ring) < 4:
                return f"{where}只有 {len(ring)} 个点，至少需要 4 个（首尾相同）"
            if ring[0][:2] != ring[-1][:2]:
                return f"{where}未闭合：首点 {ring[0][:2]} 与末点 {ring[-1][:2]} 不同"
    return None


_REASONS = {
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "环自相交",
    "Too few points in geometry component": "环的点数太少",
    "Hole lies outside shell": "内环（洞）在外环之外",
    "Holes are nested": "内环相互嵌套",
    "Interior is disconnected": "内部不连通（内环把多边形切开了）",
    "Nested shells": "多个外环相互嵌套",
    "Duplicate Rings": "环重复",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
}
_REASON = re.compile(r"^(?P<what>[^\[]+?)\s*\[(?P<x>[-\d.eE+]+)\s+(?P<y>[-\d.eE+]+)")


def invalid_reason(geom: BaseGeometry) -> str:
    """Why a polygon is invalid, in Chinese, with the position GEOS reports ("边界自相交，位置：
    经度 119.4265，纬度 32.3765")."""
    reason = shapely.is_valid_reason(geom)
    match = _REASON.match(reason or "")
    if not match:
        return f"多边形无效：{_REASONS.get(reason, reason)}"
    what = _REASONS.get(match["what"].strip(), match["what"].strip())
    return f"多边形无效：{what}，位置：经度 {float(match['x']):.7g}，纬度 {float(match['y']):.7g}"


def gcj02_geometry_to_wgs84(geometry: dict) -> dict:
    """A Polygon/MultiPolygon dict with every position converted from GCJ-02 to WGS84."""
    def ring(positions: list) -> list:
        return [list(gcj02_to_wgs84(pos[0], pos[1])) + list(pos[2:]) for pos in positions]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]]}
