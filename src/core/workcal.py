"""Working calendar: deadlines count working time only (DESIGN.md §4).

Working days are Monday–Friday, minus published holidays, plus published make-up working days
(调休). Working hours default to 08:30–12:00 and 13:30–17:30 (settings.WORKING_HOURS), in
Asia/Shanghai. Years without a published arrangement count weekends only and are reported as
provisional.

How a limit is counted (the rule shown on the calendar page, `RULE_TEXT`):

- a limit of N **working hours** runs in working time from the moment of the step;
- a limit of N **working days** starts on the next working day (the day of the step is not
  counted) and ends at the close of business of the Nth working day — 行政许可法 art. 82
  ("期限以工作日计算，不含法定节假日"), 民法典 art. 201 (the first day is not counted) and
  art. 203 (a period ends at the close of business of its last day);
- a fraction of a working day (events' limits allow 0.5 day) counts as that share of a
  working day's hours, added in working time after the whole days (or from the moment of the
  step when there are no whole days).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from core import cachegen

TZ = ZoneInfo("Asia/Shanghai")
CACHE_NAME = "workcal"
_lock = threading.Lock()
_cache: dict[str, object] = {"gen": -1, "days": {}, "years": frozenset()}


class CalendarImportError(ValueError):
    """A calendar file was refused; `errors` lists '第N行: reason' messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = errors


def working_periods() -> tuple[tuple[dt.time, dt.time], ...]:
    """The working periods of a day, from `settings.WORKING_HOURS` ("08:30-12:00,13:30-17:30").

    Parsed once per calendar generation and setting text (held with the calendar's days in
    `_cache`): `due_time` calls this on every step and intake, where re-parsing was a measurable share.
    """
    text = settings.WORKING_HOURS
    gen = _cache["gen"]
    cached = _cache.get("periods")
    if isinstance(cached, tuple) and cached[0] == (gen, text):
        return cached[1]
    periods = []
    for part in text.split(","):
        start, end = part.strip().split("-")
        periods.append((dt.time.fromisoformat(start), dt.time.fromisoformat(end)))
    parsed = tuple(periods)
    with _lock:
        _cache["periods"] = ((gen, text), parsed)
    return parsed


def hours_per_day() -> float:
    return sum(_minutes(a, b) for a, b in working_periods()) / 60


def _minutes(a: dt.time, b: dt.time) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


def _load() -> tuple[dict[dt.date, str], frozenset[int]]:
    from core.models import CalendarDay, CalendarYear

    gen = cachegen.current(CACHE_NAME)
    if _cache["gen"] != gen:
        days = dict(CalendarDay.objects.values_list("date", "kind"))
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        with _lock:
            _cache.update(gen=gen, days=days, years=years)
    return _cache["days"], _cache["years"]  # type: ignore[return-value]


def is_working_day(day: dt.date) -> bool:
    days, _years = _load()
    kind = days.get(day)
    if kind == "holiday":
        return False
    if kind == "workday":
        return True
    return day.weekday() < 5


def is_provisional(year: int) -> bool:
    """True when the State Council arrangement for `year` is not loaded."""
    return year not in _load()[1]


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """The moment `hours` of working time after `start` (aware datetimes, any zone)."""
    remaining = dt.timedelta(hours=hours)
    cursor = start.astimezone(TZ)
    periods = working_periods()
    for _ in range(3660):  # ten years of days: a bound, never reached in practice
        day = cursor.date()
        if is_working_day(day):
            for begin, end in periods:
                p_start = dt.datetime.combine(day, begin, TZ)
                p_end = dt.datetime.combine(day, end, TZ)
                if cursor >= p_end:
                    continue
                cursor = max(cursor, p_start)
                available = p_end - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
                cursor = p_end
        cursor = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), TZ)
    raise ValueError("time limit too long for the working calendar")


RULE_TEXT = (
    "以工作小时计的时限，自环节发生时刻起按工作时间连续计算；"
    "以工作日计的时限，自下一个工作日起算（当日不计入），至第N个工作日下班时截止"
    "（《行政许可法》第八十二条，《民法典》第二百零一条、第二百零三条）；"
    "不足一日的部分按当日工作时长折算为工作小时，接续计算。节假日不计入，调休上班日计入。"
)


def close_of_business(day: dt.date) -> dt.datetime:
    """The end of the last working period of `day` (17:30 by default), Asia/Shanghai."""
    return dt.datetime.combine(day, working_periods()[-1][1], TZ)


def nth_working_day_after(day: dt.date, n: int) -> dt.date:
    """The `n`th working day after `day` (n ≥ 1; `day` itself never counts)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    cursor = day
    for _ in range(3660 + n):  # a bound: ten years of days beyond n
        cursor += dt.timedelta(days=1)
        if is_working_day(cursor):
            n -= 1
            if n == 0:
                return cursor
    raise ValueError("time limit too long for the working calendar")


def add_working_days(start: dt.datetime, days: float) -> dt.datetime:
    """The deadline of a limit of `days` working days from the step at `start` (see module doc).

    Whole days: close of business of the Nth working day after the step's day. A fraction f is
    then added as f × the working day's hours of working time.
    """
    if days < 0:
        raise ValueError("a time limit cannot be negative")
    whole = int(days)
    fraction = days - whole
    if whole == 0:
        return add_working_hours(start, fraction * hours_per_day())
    end = close_of_business(nth_working_day_after(start.astimezone(TZ).date(), whole))
    if fraction > 1e-9:
        end = add_working_hours(end, fraction * hours_per_day())
    return end


@dataclass
class DueTime:
    due_at: dt.datetime
    provisional: bool


def due_time(start: dt.datetime, amount: float, unit: str) -> DueTime:
    """Deadline for a limit in `unit` 'hours' (working hours) or 'days' (working days)."""
    if unit == "hours":
        due = add_working_hours(start, amount)
    elif unit == "days":
        due = add_working_days(start, amount)
    else:
        raise ValueError(f"unknown time-limit unit: {unit}")
    provisional = any(is_provisional(y) for y in range(start.astimezone(TZ).year, due.year + 1))
    return DueTime(due, provisional)


@dataclass
class CalendarYearView:
    """One year of the calendar page: published or provisional, and its special days."""

    year: int
    published: bool
    source: str
    days: list[tuple[dt.date, str, str]]  # (date, "holiday" | "workday", name)


def calendar_overview(around: int | None = None) -> list[CalendarYearView]:
    """Every published year plus the current and next year (provisional when not published)."""
    from core.models import CalendarDay, CalendarYear

    this_year = around or dt.datetime.now(TZ).year
    published = {y.year: y.source for y in CalendarYear.objects.all()}
    years = sorted(set(published) | {this_year, this_year + 1})
    by_year: dict[int, list[tuple[dt.date, str, str]]] = {y: [] for y in years}
    for day in CalendarDay.objects.filter(date__year__in=years).order_by("date"):
        by_year[day.date.year].append((day.date, day.kind, day.name))
    return [CalendarYearView(y, y in published, published.get(y, ""), by_year[y]) for y in years]


def import_calendar(text: str, source: str = "") -> dict[str, int]:
    """Load a `date,kind,name` CSV; every year present is marked published. All or nothing."""
    from core.models import CalendarDay, CalendarYear

    rows, errors = [], []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames != ["date", "kind", "name"]:
        raise CalendarImportError(["第1行: 表头必须是 date,kind,name"])
    for lineno, row in enumerate(reader, start=2):
        try:
            day = dt.date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            errors.append(f"第{lineno}行: 日期格式错误 {row['date']!r}，应为 YYYY-MM-DD")
            continue
        kind = (row["kind"] or "").strip()
        if kind not in ("holiday", "workday"):
            errors.append(f"第{lineno}行: 类型必须是 holiday 或 workday，而不是 {kind!r}")
            continue
        rows.append((day, kind, (row["name"] or "").strip() or kind))
    if errors:
        raise CalendarImportError(errors)
    years = sorted({d.year for d, _k, _n in rows})
    with transaction.atomic():
        CalendarDay.objects.filter(date__year__in=years).delete()
        for day, kind, name in rows:
            CalendarDay.objects.create(date=day, kind=kind, name=name)
        for year in years:
            CalendarYear.objects.update_or_create(year=year, defaults={"source": source[:200]})
        cachegen.bump(CACHE_NAME)
    return {"days": len(rows), "years": len(years)}


def seed_file_text() -> str:
    from pathlib import Path

    return (Path(__file__).parent / "data" / "calendar_cn.csv").read_text(encoding="utf-8")
