"""Deadlines as the law counts them (行政许可法 art. 82; 民法典 arts. 201, 203).

Every expected time below is written by hand from the State Council's 2025 and 2026
arrangements (calendar_cn.csv), never recomputed by the code under test.
"""
import datetime as dt

import pytest

from core import workcal

pytestmark = pytest.mark.django_db
TZ = workcal.TZ


def at(y: int, m: int, d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


@pytest.mark.parametrize(("start", "amount", "unit", "due"), [
    # Spring Festival 2026: 02-15..02-23 off, Saturday 02-14 and 02-28 are make-up working days.
    (at(2026, 2, 13, 16), 4, "hours", at(2026, 2, 14, 11)),       # Fri 16:00 + 4 h → make-up Sat 11:00
    (at(2026, 2, 13, 16), 1, "days", at(2026, 2, 14, 17, 30)),    # day 1 = the next working day, Sat 14
    (at(2026, 2, 13, 8, 30), 1, "days", at(2026, 2, 14, 17, 30)),  # the step's own day never counts
    (at(2026, 2, 13, 16), 2, "days", at(2026, 2, 24, 17, 30)),    # Sat 14, then Tue 24 after the holiday
    (at(2026, 2, 13, 8, 30), 3, "days", at(2026, 2, 25, 17, 30)),  # Sat 14, Tue 24, Wed 25
    (at(2026, 2, 16, 10), 1, "days", at(2026, 2, 24, 17, 30)),    # a step on a holiday
    (at(2026, 2, 16, 10), 2, "hours", at(2026, 2, 24, 10, 30)),   # hours reported on a holiday start Tue
    (at(2026, 2, 13, 16), 0.5, "days", at(2026, 2, 14, 10, 45)),  # 3.75 h: 1.5 on Fri, 2.25 on Sat
    (at(2026, 2, 13, 16), 1.5, "days", at(2026, 2, 24, 13, 45)),  # Sat close + 3.75 h across the lunch break
    (at(2026, 2, 27, 9), 1, "days", at(2026, 2, 28, 17, 30)),     # Fri → the make-up Saturday 02-28
    # National Day and Mid-Autumn 2026: 09-25..09-27 and 10-01..10-07 off; Sun 09-20, Sat 10-10 worked.
    (at(2026, 9, 30, 10), 1, "days", at(2026, 10, 8, 17, 30)),
    (at(2026, 9, 30, 10), 3, "days", at(2026, 10, 10, 17, 30)),   # Thu 8, Fri 9, make-up Sat 10
    (at(2026, 9, 24, 9), 2, "days", at(2026, 9, 29, 17, 30)),     # Mid-Autumn skipped: Mon 28, Tue 29
    (at(2026, 9, 20, 16), 4, "hours", at(2026, 9, 21, 11)),       # a make-up Sunday counts its hours
    (at(2026, 9, 30, 17), 1, "hours", at(2026, 10, 8, 9)),        # 30 min before the holiday, 30 after
    (at(2026, 9, 18, 12, 30), 1, "hours", at(2026, 9, 18, 14, 30)),  # a step at lunch starts at 13:30
    # 2025-01-26, a Sunday, was a make-up working day.
    (at(2025, 1, 24, 11), 1, "days", at(2025, 1, 26, 17, 30)),
])
def test_due_time_by_hand(start: dt.datetime, amount: float, unit: str, due: dt.datetime) -> None:
    assert workcal.due_time(start, amount, unit).due_at == due


def test_the_rule_is_documented_for_people() -> None:
    assert "下一个工作日起算" in workcal.RULE_TEXT and "第八十二条" in workcal.RULE_TEXT


def test_negative_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        workcal.add_working_days(at(2026, 3, 2, 9), -1)
