"""Inclusive gateways as Camunda writes them: a split taking every branch whose condition holds
and a join waiting for the branches taken; shapes the engine cannot run are refused."""
import pytest

from core.errors import PlatformError
from flows import engine, inputs, services
from flows.models import Case
from flows.tests.helpers import TOWN_A, fixture, make_item, publish, run_to_end, setup

pytestmark = pytest.mark.django_db

MAPPED = {"承办人", "审核人", "负责人"}
XML = fixture("inclusive_split_join")


@pytest.mark.parametrize("answers,visited", [
    ({"city": True, "market": True}, ["受理", "城管处置", "市场处置", "汇总"]),
    ({"city": True, "market": False}, ["受理", "城管处置", "汇总"]),
    ({"city": False, "market": True}, ["受理", "市场处置", "汇总"]),
])
def test_the_split_takes_every_true_branch_and_the_join_waits_for_them(answers, visited):
    world, actors = setup()
    item = make_item()
    assert engine.validate(XML, MAPPED) == []
    publish(actors, item, XML)
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    done = run_to_end(actors, case, {"Task_Intake": answers})
    assert done.state == "completed"
    assert sorted(done.steps.values_list("task_name", flat=True)) == sorted(visited)


def test_its_inputs_are_yes_no_choices_labelled_by_the_flows():
    a = engine.analyse(XML)
    assert [(f.name, f.kind, f.label) for f in inputs.fields(a, "Task_Intake")] == [
        ("city", "boolean", "城管"), ("market", "boolean", "市场")]


def test_no_branch_chosen_or_an_answer_missing_is_refused_in_chinese():
    world, actors = setup()
    item = make_item()
    publish(actors, item, XML)
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    task = case.ready_tasks[0]["id"]
    for values, words in (({"city": False, "market": False}, "没有满足条件的出口"), ({"city": True}, "需要填写")):
        with pytest.raises(PlatformError) as exc:
            services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=task, inputs=values)
        assert words in exc.value.message and "Or" in exc.value.message, exc.value.message
    assert Case.objects.get(pk=case.pk).revision == 0


def test_a_gateway_that_joins_and_splits_at_once_is_refused():
    xml = XML.replace(b'<bpmn:sequenceFlow id="f4" sourceRef="Join" targetRef="Task_C"/>',
                      b'<bpmn:sequenceFlow id="f4" sourceRef="Join" targetRef="Task_C">'
                      b'<bpmn:conditionExpression>${city}</bpmn:conditionExpression></bpmn:sequenceFlow>'
                      b'<bpmn:sequenceFlow id="f4b" sourceRef="Join" targetRef="EndEvent_1">'
                      b'<bpmn:conditionExpression>${!city}</bpmn:conditionExpression></bpmn:sequenceFlow>')
    problems = {p.element_id: p.message for p in engine.validate(xml, MAPPED)}
    assert "既汇合又分支" in problems["Join"]


def test_an_inclusive_join_inside_a_loop_is_refused():
    xml = XML.replace(b'<bpmn:sequenceFlow id="f5" sourceRef="Task_C" targetRef="EndEvent_1"/>',
                      b'<bpmn:sequenceFlow id="f5" sourceRef="Task_C" targetRef="Again"/>'
                      b'<bpmn:exclusiveGateway id="Again" name="\xe5\x86\x8d\xe5\x8a\x9e"/>'
                      b'<bpmn:sequenceFlow id="f6" sourceRef="Again" targetRef="EndEvent_1">'
                      b'<bpmn:conditionExpression>${done}</bpmn:conditionExpression></bpmn:sequenceFlow>'
                      b'<bpmn:sequenceFlow id="f7" sourceRef="Again" targetRef="Task_B">'
                      b'<bpmn:conditionExpression>${!done}</bpmn:conditionExpression></bpmn:sequenceFlow>')
    problems = {p.element_id: p.message for p in engine.validate(xml, MAPPED)}
    assert "循环" in problems["Join"]


@pytest.mark.parametrize("ok", [True, False])
def test_the_join_does_not_wait_for_a_branch_that_ended_elsewhere(ok):
    xml = XML.replace(
        b'<bpmn:sequenceFlow id="f3" sourceRef="Task_B" targetRef="Join"/>',
        b'<bpmn:sequenceFlow id="f3" sourceRef="Task_B" targetRef="X"/><bpmn:exclusiveGateway id="X"/>'
        b'<bpmn:sequenceFlow id="fx1" sourceRef="X" targetRef="Join"><bpmn:conditionExpression>${ok}'
        b'</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id="fx2" sourceRef="X" targetRef="End2">'
        b'<bpmn:conditionExpression>${!ok}</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:endEvent id="End2"/>')
    world, actors = setup()
    item = make_item()
    assert engine.validate(xml, MAPPED) == []  # the OR-join rule: no token can still arrive from B
    publish(actors, item, xml)
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    done = run_to_end(actors, case, {"Task_Intake": {"city": True, "market": True}, "Task_B": {"ok": ok}})
    assert done.state == "completed" and "汇总" in done.steps.values_list("task_name", flat=True)


def test_a_generated_layout_draws_inclusive_gateways_as_gateways():
    from lxml import etree

    from flows.layout import generate_layout

    root = etree.fromstring(generate_layout(XML))
    bounds = root.find(".//{*}BPMNShape[@bpmnElement='Or']/{*}Bounds")
    assert (bounds.get("width"), bounds.get("height")) == ("50", "50")
