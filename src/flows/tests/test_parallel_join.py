"""A parallel join that a branch can never reach is refused at validation (turn2
`bpmn_parallel_join_starved.bpmn`: the case stayed running with no ready task and no due time);
sound parallel maps publish and run to their end."""
import pytest

from core.errors import PlatformError
from flows import engine, services, soundness
from flows.models import Case, ProcessMap
from flows.tests.helpers import TOWN_A, fixture, make_item, publish, run_to_end, setup

pytestmark = pytest.mark.django_db

MAPPED = {"承办人", "审核人", "负责人"}


def _problem(xml, element):
    problems = engine.validate(xml, MAPPED)
    found = [p for p in problems if p.element_id == element]
    assert found, problems
    return found[0].message


def test_the_starved_join_is_refused_naming_the_join_and_the_choice():
    message = _problem(fixture("bpmn_parallel_join_starved"), "Join")
    assert "永远等待" in message and "f_ok" in message and "Xor" in message and "材料是否齐全" in message


def test_an_inclusive_split_feeding_a_parallel_join_is_refused_as_starving():
    message = _problem(fixture("inclusive_into_parallel_join"), "Join")
    assert "包容网关" in message and "Or" in message and "f3" in message


def test_an_exclusive_split_straight_into_a_join_is_refused():
    xml = fixture("parallel_sound").replace(b'targetRef="Merge"><bpmn:conditionExpression>${ok == \'yes\'}',
                                            b'targetRef="EndEvent_1"><bpmn:conditionExpression>${ok == \'yes\'}')
    assert "永远等待" in _problem(xml, "Join")


def test_a_task_whose_loop_keeps_splitting_is_refused():
    # Task_C puts a token on both outgoing flows (an implicit parallel split) and one loops back.
    xml = fixture("parallel_sound").replace(
        b'<bpmn:sequenceFlow id="f6" sourceRef="Task_C" targetRef="EndEvent_1"/>',
        b'<bpmn:sequenceFlow id="f6" sourceRef="Task_C" targetRef="EndEvent_1"/>'
        b'<bpmn:sequenceFlow id="f7" sourceRef="Task_C" targetRef="Task_A"/>')
    problems = engine.validate(xml, MAPPED)
    assert any("无法保证结束" in p.message or "永远等待" in p.message for p in problems), problems


def test_a_sound_parallel_map_publishes_and_runs_both_ways():
    world, actors = setup()
    item = make_item()
    assert engine.validate(fixture("parallel_sound"), MAPPED) == []
    publish(actors, item, fixture("parallel_sound"))
    runs: list[tuple[dict[str, dict], int]] = [({"Task_B": {"ok": "yes"}}, 3), ({"Task_B": {"ok": "no"}}, 4)]
    for answers, visited in runs:
        case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
        assert sorted(r["name"] for r in case.ready_tasks) == ["材料审查", "现场核查"]
        done = run_to_end(actors, case, answers)
        assert done.state == "completed" and done.steps.count() == visited


def test_the_bound_is_reported_not_exceeded(monkeypatch):
    monkeypatch.setattr(soundness, "MAX_MARKINGS", 2)
    problems = soundness.problems(engine.analyse(fixture("parallel_sound")))
    assert problems and problems[0].element_id == "P_sound" and "无法验证" in problems[0].message


def test_templates_are_sound():
    from flows.templates_dir import template_bytes

    for key in ("approval", "penalty", "inspection", "public_service", "ten_step"):
        assert soundness.problems(engine.analyse(template_bytes(key))) == [], key
    assert Case.objects.count() == 0


def test_a_starving_map_published_before_the_check_never_leaves_a_case_stuck():
    world, actors = setup()
    item = make_item()
    pm = services.processmap_import(user=actors.editor, item=item, division_code="321002000000",
                                    xml=fixture("bpmn_parallel_join_starved"))
    ProcessMap.objects.filter(pk=pm.pk).update(status="published")  # as it was before the check
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    ready = {r["spec"]: r["id"] for r in case.ready_tasks}
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=ready["Task_A"])
    case.refresh_from_db()
    before = (case.revision, case.ready_tasks, case.state)
    with pytest.raises(PlatformError) as exc:
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=ready["Task_B"], inputs={"ok": "no"})
    assert exc.value.code == "workflow_stalled" and "Join" in exc.value.message
    case.refresh_from_db()
    assert (case.revision, case.ready_tasks, case.state) == before
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=ready["Task_B"], inputs={"ok": "yes"})
    assert Case.objects.get(pk=case.pk).current_step == "决定"
