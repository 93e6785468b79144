"""Duplicates at intake (issue 9 item 2): a new event of the same class within the class's distance
(`EventClass.duplicate_distance_m`, default 50 m) and time window (`duplicate_window_hours`, default
24 h) of an open one is flagged with its candidates (`Event.duplicate_of`, answered as `duplicate_of`).
The centre merges it (`merge`) or clears the flag (`clear-duplicate`).

Cost on the intake path: one bounding-box query on the (class, lat, lng) index, then a haversine
check of the few rows it finds. Intake asks before it inserts the event (`events.services.intake`),
so the flag goes in with the event's own insert and its create audit entry: no second write of
the new row (profiled: the flag's update and its own audit entry were a tenth of an intake's CPU).
"""
from __future__ import annotations

import datetime as dt
import functools
import math

from django.db import connection

from events.lifecycle import StateKind
from events.models import Event

EARTH_M = 6_371_008.8  # mean Earth radius (IUGG), metres
MAX_CANDIDATES = 10


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def duplicate_candidates_for(event: Event) -> list[int]:
    """Open events of the same class near `event` (within the class's distance) and reported within
    the class's window before it, nearest first (at most 10). [] without a class or a point.
    `event` may be unsaved (intake asks before its insert); a saved one is not its own candidate."""
    cls = event.event_class
    if cls is None or event.lat is None or event.lng is None:
        return []
    metres = float(cls.duplicate_distance_m)
    dlat = math.degrees(metres / EARTH_M)
    dlng = dlat / max(0.01, math.cos(math.radians(event.lat)))
    since = event.reported_at - dt.timedelta(hours=cls.duplicate_window_hours)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_near_sql(), [cls.pk, StateKind.OPEN, event.lat - dlat, event.lat + dlat, event.lng - dlng,
                                     event.lng + dlng, adapt(since), adapt(event.reported_at), event.pk or 0])
        rows = cursor.fetchall()
    near = sorted((haversine_m(event.lat, event.lng, la, ln), pk) for pk, la, ln in rows)
    return [pk for d, pk in near if d <= metres][:MAX_CANDIDATES]


@functools.cache
def _near_sql() -> str:
    """The bounding-box probe, written once: building it through the ORM on every report cost more
    CPU than the rest of the duplicate check and the database's work together (profiled). The
    `(event_class, lat, lng)` index answers the first three terms."""
    q = connection.ops.quote_name
    col = {f.name: q(f.column or f.attname) for f in Event._meta.concrete_fields}
    return (f"SELECT {col['id']}, {col['lat']}, {col['lng']} FROM {q(Event._meta.db_table)} "
            f"WHERE {col['event_class']} = %s AND {col['state_kind']} = %s AND {col['lat']} BETWEEN %s AND %s "
            f"AND {col['lng']} BETWEEN %s AND %s AND {col['reported_at']} BETWEEN %s AND %s "
            f"AND {col['merged_into']} IS NULL AND {col['id']} <> %s LIMIT 200")


def flagged(event: Event) -> list[int]:
    """`hooks.duplicate_candidates` answer: what intake flagged."""
    return list(event.duplicate_of or [])
