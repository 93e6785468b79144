"""Completing a task that is not ready, by a user it does not map to, out of scope, or with
inputs that leave a gateway without a way out, is refused and changes nothing."""
import pytest
from rest_framework.test import APIClient

from core.errors import Conflict, NotAllowed, NotFound, PlatformError
from core.models import AuditLog
from flows import services
from flows.models import Case, CaseAttachment, CaseStep
from flows.tests.helpers import TOWN_A, make_item, publish, setup, template

pytestmark = pytest.mark.django_db


def _state(case_id):
    row = Case.objects.filter(pk=case_id).values().get()
    row["workflow_state"] = bytes(row["workflow_state"])
    return row, CaseStep.objects.count(), CaseAttachment.objects.count(), AuditLog.objects.count()


@pytest.fixture
def approval_case():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    return world, actors, case


def test_a_task_that_is_not_ready_is_refused(approval_case):
    world, actors, case = approval_case
    accept = case.ready_tasks[0]["id"]
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=accept)
    before = _state(case.pk)
    with pytest.raises(Conflict) as exc:  # the same task again: it is COMPLETED now
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=accept)
    assert exc.value.code == "task_not_ready" and "审查" in exc.value.message
    with pytest.raises(Conflict):  # a made-up id
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id="00000000-0000-0000-0000-000000000000")
    assert _state(case.pk) == before


def test_a_future_task_is_refused_through_the_api(approval_case):
    world, actors, case = approval_case
    from flows import engine

    comp = engine.compiled(case.process_map.document.sha256, loader=lambda: case.process_map.document.xml_bytes)
    wf = engine.load_state(comp.spec, case.workflow_state)
    future = [t for t in wf.get_tasks() if t.task_spec.manual and str(t.id) != case.ready_tasks[0]["id"]][0]
    before = _state(case.pk)
    client = APIClient()
    client.force_authenticate(actors.handler)
    r = client.post(f"/api/cases/{case.pk}/complete/", {"task_id": str(future.id)}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "task_not_ready"
    assert _state(case.pk) == before


def test_a_user_the_lane_does_not_map_to_is_refused(approval_case):
    world, actors, case = approval_case
    before = _state(case.pk)
    for user in (actors.officer, actors.grid, actors.leader):  # 受理窗口 needs 行政审批局/综合服务中心 staff
        with pytest.raises(NotAllowed) as exc:
            services.case_complete_task(user=user, case_id=case.pk, task_id=case.ready_tasks[0]["id"])
        assert "受理窗口" in exc.value.message
    assert _state(case.pk) == before
    client = APIClient()
    client.force_authenticate(actors.officer)
    r = client.post(f"/api/cases/{case.pk}/complete/", {"task_id": case.ready_tasks[0]["id"]}, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_task"
    assert _state(case.pk) == before


def test_a_user_outside_the_town_is_refused_even_with_the_right_role(approval_case):
    world, actors, case = approval_case
    from org.models import Unit

    other = world.user("b-handler", "321002106000", ["dept_handler"])
    other.unit = Unit.objects.create(division_id="321002106000", name="行政审批局", kind="bureau")
    other.save()
    before = _state(case.pk)
    with pytest.raises(NotFound):
        services.case_complete_task(user=other, case_id=case.pk, task_id=case.ready_tasks[0]["id"])
    assert _state(case.pk) == before


def test_gateway_inputs_are_checked_before_the_task_runs(approval_case):
    world, actors, case = approval_case
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"])
    case.refresh_from_db()
    before = _state(case.pk)
    review = case.ready_tasks[0]["id"]
    with pytest.raises(PlatformError) as exc:
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=review)
    assert exc.value.code == "gateway_inputs" and "review" in exc.value.message
    assert exc.value.fields["expected"] == {"review": ["correction", "pass"]}
    with pytest.raises(PlatformError) as exc:
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=review, inputs={"review": "maybe"})
    assert "没有满足条件的出口" in exc.value.message
    with pytest.raises(PlatformError):
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=review, inputs={"bad key": 1})
    with pytest.raises(PlatformError):
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=review, inputs={"x": [1, 2]})
    assert _state(case.pk) == before
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=review, inputs={"review": "pass"})
    assert Case.objects.get(pk=case.pk).current_step == "决定"


def test_a_completed_case_takes_no_more_steps():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("ten_step"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    for _ in range(10):
        case.refresh_from_db()
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"])
    case.refresh_from_db()
    assert case.state == "completed" and case.end_event
    with pytest.raises(Conflict):
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id="x")
