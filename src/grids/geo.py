"""Geometry helpers: GeoJSON text <-> shapely, areas in m², GCJ-02 -> WGS84, grid codes.

Coordinates are WGS84 [lng, lat]. Stored GeoJSON keeps the floats exactly as given (json
round-trips floats exactly), so an export imports back byte-for-byte unchanged.
"""
from __future__ import annotations

import json
import math
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
    if geom.is_empty:
        return 0.0
    return deg2_to_m2(geom.area, geom.centroid.y)


def representative(geom: BaseGeometry) -> tuple[float, float]:
    """A point guaranteed inside the polygon: (lng, lat)."""
    p = geom.representative_point()
    return p.x, p.y


def distance_m(coords: list[list[float]]) -> float:
    total = 0.0
    for (x1, y1), (x2, y2) in zip(coords, coords[1:]):
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
