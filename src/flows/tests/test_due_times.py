"""Due times skip weekends and holidays and count make-up working days (core.workcal)."""
import datetime as dt

import pytest

from core import workcal
from flows import services
from flows.tests.helpers import TOWN_A, make_item, publish, setup, template

pytestmark = pytest.mark.django_db
TZ = workcal.TZ


def at(y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


def test_2025_01_26_a_sunday_was_a_working_day():
    assert workcal.is_working_day(dt.date(2025, 1, 26))
    assert not workcal.is_working_day(dt.date(2025, 1, 25))  # the Saturday before stays a rest day
    due = workcal.due_time(at(2025, 1, 24, 16, 30), 2, "hours")  # Friday 16:30 + 2 working hours
    assert due.due_at == at(2025, 1, 26, 9, 30) and not due.provisional


def test_2026_spring_festival_holiday_and_make_up_saturdays():
    for day in range(15, 24):
        assert not workcal.is_working_day(dt.date(2026, 2, day)), day
    assert workcal.is_working_day(dt.date(2026, 2, 14)) and workcal.is_working_day(dt.date(2026, 2, 28))
    assert workcal.due_time(at(2026, 2, 13, 17), 1, "hours").due_at == at(2026, 2, 14, 9)
    assert workcal.due_time(at(2026, 2, 14, 17), 1, "hours").due_at == at(2026, 2, 24, 9)
    # 3 working days from Friday 2026-02-13 08:30: the next working day counts first (Sat 14, make-up),
    # then Tue 24 and Wed 25 after the holiday
    assert workcal.due_time(at(2026, 2, 13, 8, 30), 3, "days").due_at == at(2026, 2, 25, 17, 30)


def test_weekends_skip_and_an_unpublished_year_is_provisional():
    assert workcal.due_time(at(2026, 3, 6, 17), 1, "hours").due_at == at(2026, 3, 9, 9)  # Fri → Mon
    assert workcal.is_provisional(2030) and not workcal.is_provisional(2026)
    assert workcal.due_time(at(2030, 3, 1, 9), 1, "days").provisional
    assert workcal.due_time(at(2026, 12, 30, 9), 5, "days").provisional  # runs into 2027


def test_a_step_limit_from_the_map_documentation_sets_the_due_time():
    world, actors = setup()
    item = make_item()
    xml = template("ten_step").replace(
        b'<bpmn:userTask id="Task_Step01" name="\xe6\xad\xa5\xe9\xaa\xa41">',
        '<bpmn:userTask id="Task_Step01" name="步骤1"><bpmn:documentation>时限:2工作小时</bpmn:documentation>'.encode())
    publish(actors, item, xml)
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    entry = case.ready_tasks[0]
    opened = dt.datetime.fromisoformat(entry["opened_at"])
    assert dt.datetime.fromisoformat(entry["due_at"]) == workcal.due_time(opened, 2, "hours").due_at
    assert case.due_at == dt.datetime.fromisoformat(entry["due_at"])
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=entry["id"])
    case.refresh_from_db()  # step 2 has no limit of its own: the 承办人 lane default (5 working days)
    entry = case.ready_tasks[0]
    opened = dt.datetime.fromisoformat(entry["opened_at"])
    assert dt.datetime.fromisoformat(entry["due_at"]) == workcal.due_time(opened, 5, "days").due_at
