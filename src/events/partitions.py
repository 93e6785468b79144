"""Event steps partitioned by month on PostgreSQL (core/partitions.py): the archiving policy.

A month of steps leaves the database (`manage.py manage_partitions --archive-before YYYY-MM`) only
when it ended at least `EVENT_STEP_RETENTION_DAYS` ago (default 1,095: three years of assessment
history; never less than 365) and when no step of it belongs to an event that is still open — an
open event's timeline must stay whole. Closed events keep their row in the events table (it is
never partitioned); their archived steps are in the month's dump file."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from core.errors import PlatformError
from core.partitions import Month, Policy, q

MIN_RETENTION_DAYS = 365


def retention_days() -> int:
    days = int(getattr(settings, "EVENT_STEP_RETENTION_DAYS", 1095))
    if days < MIN_RETENTION_DAYS:
        raise PlatformError(f"事件处理过程保存期限不得少于 {MIN_RETENTION_DAYS} 天（当前配置 {days} 天）", code="retention")
    return days


def after_detach(table: str, month: Month, detached: str, _prepared: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT s.event_id) FROM {q(detached)} s JOIN events_event e "  # noqa: S608
                       "ON e.id = s.event_id WHERE e.state_kind = 'open'")
        (open_events,) = cursor.fetchone()
    if open_events:
        raise PlatformError(f"{month} 的事件处理过程中有 {open_events} 个事件尚未办结，不能归档", code="open_events")
    return ""


POLICY = Policy("events_step", "事件处理过程", retention_days, after_detach=after_detach)
