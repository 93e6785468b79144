"""Duplicates at intake (issue 9 item 2): a new event of the same class within the class's distance
(`EventClass.duplicate_distance_m`, default 50 m) and time window (`duplicate_window_hours`, default
24 h) of an open one is flagged with its candidates (`Event.duplicate_of`, answered as `duplicate_of`).
The centre merges it (`merge`) or clears the flag (`clear-duplicate`).

Cost on the intake path: one bounding-box query on the (class, lat, lng) index, then a haversine
check of the few rows it finds. The flag goes in with the event's own insert and its create audit
entry: no second write of the new row (profiled: the flag's update and its own audit entry were a
tenth of an intake's CPU). On PostgreSQL the probe and the check run inside that insert statement
(`candidates_written_with`); elsewhere intake asks before it inserts (`duplicate_candidates_for`).
"""
from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

from django.db import connection

from core.inserts import Computed
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
    probe = _probe(event)
    if probe is None:
        return []
    metres, params = probe
    with connection.cursor() as cursor:
        cursor.execute(_near_sql(), params)
        rows = cursor.fetchall()
    near = sorted((haversine_m(event.lat, event.lng, la, ln), pk) for pk, la, ln in rows)  # type: ignore[arg-type]
    return [pk for d, pk in near if d <= metres][:MAX_CANDIDATES]


def candidates_written_with(event: Event) -> Computed | None:
    """The same candidates as a column the intake's write works out (`core.inserts.Computed`): on
    PostgreSQL the probe and the distances run inside the insert statement (`_candidates_sql`, the
    haversine of `haversine_m` term by term, so both agree to the last bit), saving the probe's own
    round trip; elsewhere `duplicate_candidates_for`. None without a class or a point."""
    probe = _probe(event)
    if probe is None:
        return None
    metres, params = probe
    assert event.lat is not None and event.lng is not None  # _probe said so
    return Computed(sql=_candidates_sql(), params=[2 * EARTH_M, event.lat, event.lat, event.lng, *params, metres],
                    python=lambda: duplicate_candidates_for(event))


def _probe(event: Event) -> tuple[float, list[Any]] | None:
    """(the class's distance in metres, the bounding-box probe's parameters), None without a class or a point."""
    cls = event.event_class
    if cls is None or event.lat is None or event.lng is None:
        return None
    metres = float(cls.duplicate_distance_m)
    dlat = math.degrees(metres / EARTH_M)
    dlng = dlat / max(0.01, math.cos(math.radians(event.lat)))
    since = event.reported_at - dt.timedelta(hours=cls.duplicate_window_hours)
    adapt = connection.ops.adapt_datetimefield_value
    return metres, [cls.pk, StateKind.OPEN, event.lat - dlat, event.lat + dlat, event.lng - dlng, event.lng + dlng,
                    adapt(since), adapt(event.reported_at), event.pk or 0]


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


@functools.cache
def _candidates_sql() -> str:
    """PostgreSQL: the probe with the distance of each row (metres, `haversine_m` from the event's
    point), kept within the class's distance, nearest first, at most 10, as a jsonb array of ids.
    Parameters: 2 × Earth radius, the event's lat, lat, lng, `_probe`'s, the distance."""
    q = connection.ops.quote_name
    lat, lng, pk = q("lat"), q("lng"), q("id")
    metres = (f"%s::float8 * asin(least(1.0::float8, sqrt(power(sin((radians({lat}) - radians(%s::float8)) / 2), 2) "
              f"+ cos(radians(%s::float8)) * cos(radians({lat})) * power(sin(radians({lng} - %s::float8) / 2), 2))))")
    near = _near_sql().replace(f"SELECT {pk}, {lat}, {lng} FROM", f"SELECT {pk}, {metres} AS m FROM", 1)
    return (f"SELECT coalesce(jsonb_agg(k.id ORDER BY k.m, k.id), '[]'::jsonb) FROM (SELECT n.id, n.m FROM ({near}) n "
            f"WHERE n.m <= %s::float8 ORDER BY n.m, n.id LIMIT {MAX_CANDIDATES}) k")
