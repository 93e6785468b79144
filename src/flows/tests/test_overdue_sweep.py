"""The periodic sweep flags overdue steps, is idempotent and leaves audit records."""
import datetime as dt

import pytest
from django.utils import timezone

from core.models import AuditLog
from flows import services
from flows.models import Case
from flows.tasks import flag_overdue_cases
from flows.tests.helpers import TOWN_A, make_item, publish, setup, template

pytestmark = pytest.mark.django_db


def test_the_sweep_flags_an_overdue_step_once():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("ten_step"))
    late = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    on_time = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    past = timezone.now() - dt.timedelta(hours=1)
    Case.objects.filter(pk=late.pk).update(due_at=past)
    audits = AuditLog.objects.filter(model="flows.Case", object_id=str(late.pk), actor_name="overdue_sweep")

    assert flag_overdue_cases.call_local() == 1
    assert Case.objects.get(pk=late.pk).overdue and not Case.objects.get(pk=on_time.pk).overdue
    entry = audits.get()
    assert entry.before == {"overdue": False} and entry.after["overdue"] is True
    assert flag_overdue_cases.call_local() == 0, "a second sweep changes nothing"
    assert audits.count() == 1

    late.refresh_from_db()
    Case.objects.filter(pk=late.pk).update(ready_tasks=[{**late.ready_tasks[0], "due_at": past.isoformat()}])
    step = services.case_complete_task(user=actors.handler, case_id=late.pk, task_id=late.ready_tasks[0]["id"])
    assert step.overdue and step.due_at == past
    late.refresh_from_db()
    assert not late.overdue and late.due_at > timezone.now(), "the next step starts on time"


def test_the_sweep_is_a_periodic_huey_task():
    from huey.api import PeriodicTask

    assert isinstance(flag_overdue_cases.task_class(), PeriodicTask)
