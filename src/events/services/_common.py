"""Shared helpers of the events services: texts, classes, due times, working time, photos, audit actor."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from core import audit
from core.errors import PlatformError
from core.scoping import scope_for
from core.workcal import due_time
from events import classes, lifecycle, photos
from events.classes import map_old_code, old_code_table
from events.models import Event, EventClass, EventPhoto, Step

CRS = ("wgs84", "gcj02")



def _actor_name(user: Any) -> str:
    if user is None:
        return "system"
    return (getattr(user, "display_name", "") or user.get_username())[:150]


def _text(value: Any, field_name: str, label: str, required: bool = True, max_length: int = 5000) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if required and not text:
        raise PlatformError(f"请填写{label}", code="required", fields={field_name: [f"请填写{label}"]})
    if len(text) > max_length:
        raise PlatformError(f"{label}过长（最多 {max_length} 字）", fields={field_name: ["过长"]})
    return text


def event_class_for(category: Any) -> EventClass | None:
    """A class from its 5-digit code (or a 4-digit old GB/T 30428 code, mapped); None for empty."""
    code = (str(category).strip() if category is not None else "")
    if not code:
        return None
    if code.isdigit() and len(code) == 4:
        code = map_old_code(code, old_code_table()) or code
    found = classes.active_classes().get(code)
    if found is None:
        raise PlatformError(f"事件类别 {code} 不存在或已停用", code="unknown_category",
                            fields={"category": ["事件类别不存在"]})
    return found


def _due(start: dt.datetime, event_class: EventClass | None, step: str | None) -> tuple[dt.datetime | None, bool]:
    if event_class is None or step not in lifecycle.LIMIT_STEPS:
        return None, False
    amount, unit = event_class.limit(step)
    found = due_time(start, amount, unit)
    return found.due_at, found.provisional


WARN_SHARE = 0.8  # yellow at 80 % of the working time allowed (issue 9)


def _warn(start: dt.datetime, event_class: EventClass | None) -> dt.datetime | None:
    if event_class is None:
        return None
    amount, unit = event_class.limit(lifecycle.DUE_HANDLE)
    return due_time(start, amount * WARN_SHARE, unit).due_at


def working_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Working time (hours) between two instants on the calendar of `core.workcal` (0 if end <= start)."""
    from core import workcal

    if end <= start:
        return 0.0
    total = dt.timedelta()
    cursor = start.astimezone(workcal.TZ)
    stop = end.astimezone(workcal.TZ)
    day = cursor.date()
    while day <= stop.date():
        if workcal.is_working_day(day):
            for begin, finish in workcal.working_periods():
                lo = max(cursor, dt.datetime.combine(day, begin, workcal.TZ))
                hi = min(stop, dt.datetime.combine(day, finish, workcal.TZ))
                if hi > lo:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return total.total_seconds() / 3600


def _point(lat: Any, lng: Any, crs: str) -> tuple[float, float] | None:
    if lat in (None, "") and lng in (None, ""):
        return None
    try:
        la, ln = float(lat), float(lng)
    except (TypeError, ValueError):
        raise PlatformError("经纬度必须是数字", code="bad_point", fields={"lat": ["须为数字"], "lng": ["须为数字"]})
    if not (-90 <= la <= 90 and -180 <= ln <= 180):
        raise PlatformError("经纬度超出范围", code="bad_point", fields={"lat": ["-90~90"], "lng": ["-180~180"]})
    if crs not in CRS:
        raise PlatformError("坐标系只能是 wgs84 或 gcj02", code="bad_crs", fields={"crs": ["wgs84 或 gcj02"]})
    return la, ln


def _scope_root(user: Any) -> str | None:
    scope = scope_for(user)
    return None if scope.everything else scope.division_code


def _as(user: Any) -> AbstractContextManager[None]:
    """Attribute the writes to `user` (keeping the current source: api, web, command)."""
    return audit.acting_as(user, source=audit.current_actor()[2]) if getattr(user, "pk", None) else nullcontext()


def _attach_photos(event: Event, step: Step | None, cleaned: list[photos.CleanPhoto]) -> list[EventPhoto]:
    rows = []
    for photo in cleaned:
        path, thumb = photos.store(photo, event.pk)
        rows.append(EventPhoto.objects.create(
            event=event, step=step, path=path, thumbnail=thumb, content_type=photo.content_type,
            size=len(photo.content), width=photo.width, height=photo.height, sha256=photo.sha256,
            gps_lat=photo.gps_lat, gps_lng=photo.gps_lng, original_name=photo.original_name))
    return rows


