"""Assessment periods in local time (Asia/Shanghai): day, week (Monday–Sunday), month, quarter, year.

A period is `[start, end)` of local midnights; `period_of(kind, any_day)` finds the one holding a day.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from assess.choices import PeriodKind
from core.errors import PlatformError


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes of the local midnights that open and close the period."""
        tz = timezone.get_default_timezone()
        return (dt.datetime.combine(self.start, dt.time(), tz), dt.datetime.combine(self.end, dt.time(), tz))

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.DAY:
            return f"{self.start:%Y-%m-%d}"
        if self.kind == PeriodKind.WEEK:
            return f"{self.start:%Y-%m-%d}～{self.end - dt.timedelta(days=1):%m-%d}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    def previous(self) -> Period:
        return period_of(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return period_of(self.kind, self.end)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_of(kind: str, day: dt.date) -> Period:
    """The period of `kind` holding `day`. Raises PlatformError for an unknown kind."""
    if kind == PeriodKind.DAY:
        return Period(kind, day, day + dt.timedelta(days=1))
    if kind == PeriodKind.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return Period(kind, start, start + dt.timedelta(days=7))
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        return Period(kind, start, _add_months(start, 1))
    if kind == PeriodKind.QUARTER:
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, start, _add_months(start, 3))
    if kind == PeriodKind.YEAR:
        return Period(kind, dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))
    raise PlatformError(f"未知的考核周期：{kind}", code="period_kind", fields={"period": ["日/周/月/季度/年"]})


def last_complete(kind: str, today: dt.date | None = None) -> Period:
    """The latest period of `kind` that ended before today (what the scheduled run computes)."""
    today = today or timezone.localdate()
    return period_of(kind, today).previous()
