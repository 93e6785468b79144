"""Candidate groups in every namespace Camunda 7 and 8 write are read, never silently ignored:
camunda:, the older activiti: namespace (turn2 `bpmn_activiti_ns_candidate_groups.bpmn`),
flowable:, and zeebe:assignmentDefinition; expressions (JUEL, FEEL) are refused by name."""
import pytest

from core.errors import NotAllowed
from flows import engine, services
from flows.tests.helpers import TOWN_A, fixture, make_item, publish, run_to_end, setup

pytestmark = pytest.mark.django_db

MAPPED = {"承办人", "审核人", "负责人"}


@pytest.mark.parametrize("name", ["bpmn_activiti_ns_candidate_groups", "flowable_candidate_groups"])
def test_groups_in_older_namespaces_decide_who_acts_not_the_lane(name):
    world, actors = setup()
    item = make_item()
    a = engine.analyse(fixture(name))
    task = a.nodes["Task_1"]
    assert task.lane == "承办人" and task.groups == ["负责人"] and task.actor_keys == ["负责人"]
    publish(actors, item, fixture(name))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    assert case.ready_tasks[0]["keys"] == ["负责人"]
    with pytest.raises(NotAllowed):  # the lane's handler may not act: the group says 负责人
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"])
    services.case_complete_task(user=actors.leader, case_id=case.pk, task_id=case.ready_tasks[0]["id"])


def test_an_unmapped_group_in_the_activiti_namespace_is_refused_not_routed_to_the_lane():
    xml = fixture("bpmn_activiti_ns_candidate_groups").replace('candidateGroups="负责人"'.encode(),
                                                                'candidateGroups="财务科"'.encode())
    problems = engine.validate(xml, MAPPED)
    assert [p.element_id for p in problems] == ["Task_1"] and "财务科" in problems[0].message


def test_a_zeebe_file_reads_assignment_definitions_and_runs():
    world, actors = setup()
    item = make_item()
    xml = fixture("zeebe_assignment")
    assert engine.validate(xml, MAPPED) == []
    a = engine.analyse(xml)
    assert a.nodes["Activity_Review"].groups == ["承办人"]
    assert a.nodes["Activity_Decide"].groups == ["负责人", "审核人"]
    publish(actors, item, xml)
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    done = run_to_end(actors, case, {})
    assert list(done.steps.values_list("task_name", "lane")) == [("审查", "承办人"), ("决定", "负责人、审核人")]


def test_feel_in_a_zeebe_file_is_refused_by_name_for_groups_and_conditions():
    problems = {p.element_id: p.message for p in engine.validate(fixture("zeebe_feel_gateway"), MAPPED)}
    assert "不支持 FEEL 表达式" in problems["Activity_Check"]
    assert "不支持 FEEL 表达式" in problems["Flow_Big"]


@pytest.mark.parametrize("value", ["${assigneeGroup}", "#{groups}"])
def test_a_juel_group_expression_is_refused_naming_the_task(value):
    xml = fixture("bpmn_activiti_ns_candidate_groups").replace('candidateGroups="负责人"'.encode(),
                                                                f'candidateGroups="{value}"'.encode())
    problems = engine.validate(xml, MAPPED)
    assert [p.element_id for p in problems] == ["Task_1"] and "表达式" in problems[0].message


def test_camunda_and_zeebe_groups_on_one_task_are_joined():
    xml = fixture("zeebe_assignment").replace(
        b'<bpmn:userTask id="Activity_Review" name="',
        '<bpmn:userTask xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:candidateGroups="审核人" '
        'id="Activity_Review" name="'.encode())
    assert engine.analyse(xml).nodes["Activity_Review"].groups == ["审核人", "承办人"]


@pytest.mark.parametrize("written", ["负责人，审核人", "负责人、审核人", " 负责人 , 审核人 ", "负责人,\n审核人"])
def test_groups_are_split_and_compared_after_normalisation(written):
    xml = fixture("bpmn_activiti_ns_candidate_groups").replace('candidateGroups="负责人"'.encode(),
                                                                f'candidateGroups="{written}"'.encode())
    assert engine.analyse(xml).nodes["Task_1"].groups == ["负责人", "审核人"]
    assert engine.validate(xml, MAPPED) == []


def test_a_lane_name_typed_with_a_full_width_space_or_a_line_break_still_maps():
    world, actors = setup()
    for written in ("承\u3000办人", "承办\n人", "承办人 "):
        xml = fixture("bpmn_xor_merge").replace(b'<bpmn:process id="P" name="XOR merge refused" isExecutable="true">',
                                                 ('<bpmn:process id="P" name="x" isExecutable="true"><bpmn:laneSet id="LS">'
                                                  f'<bpmn:lane id="L" name="{written}"><bpmn:flowNodeRef>Task_Do'
                                                  '</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>').encode()) \
            .replace('<bpmn:userTask id="Task_Do" name="办理" camunda:candidateGroups="承办人"/>'.encode(),
                     '<bpmn:userTask id="Task_Do" name="办理"/>'.encode())
        a = engine.analyse(xml)
        assert a.nodes["Task_Do"].actor_keys == ["承办人"], written
        from flows import selectors

        assert engine.validate(xml, set(selectors.lane_mappings())) == [], written
