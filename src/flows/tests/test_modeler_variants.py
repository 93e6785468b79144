"""Legal BPMN as other modelers write it is accepted and runs: a merging exclusive gateway with
one unconditioned flow (turn2 `bpmn_xor_merge.bpmn`), a single process left
isExecutable="false" (turn2 `bpmn_not_executable.bpmn`, the bpmn.io and Signavio default), a
Signavio export (default namespace, abstract tasks, sid- ids); what cannot run is refused at
import in Chinese, never with the engine's text after a 201."""
import pytest
from rest_framework.test import APIClient

from flows import engine, services
from flows.models import ProcessMap
from flows.tests.helpers import COUNTY, TOWN_A, fixture, make_item, publish, run_to_end, setup

pytestmark = pytest.mark.django_db

MAPPED = {"承办人", "审核人", "负责人", "受理窗口"}


def _client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.mark.parametrize("name", ["bpmn_xor_merge", "bpmn_not_executable"])
@pytest.mark.parametrize("approved,via", [(True, "办理"), (False, "告知")])
def test_merge_and_non_executable_maps_publish_and_run_both_branches(name, approved, via):
    world, actors = setup()
    item = make_item()
    editor = _client(actors.editor)
    r = editor.post("/api/process-maps/import/", {"item": item.code, "division": COUNTY, "xml": fixture(name).decode()},
                    format="json")
    assert r.status_code == 201, r.content
    pm = r.json()["id"]
    assert editor.post(f"/api/process-maps/{pm}/validate/", {}, format="json").json() == {"valid": True, "problems": []}
    assert editor.post(f"/api/process-maps/{pm}/publish/", {}, format="json").json()["status"] == "published"
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    done = run_to_end(actors, case, {"Task_Review": {"approved": approved}})
    assert done.state == "completed" and done.end_event == "EndEvent_1"
    assert list(done.steps.values_list("task_name", flat=True)) == ["审核", via]


def test_the_stored_bytes_keep_is_executable_false():
    world, actors = setup()
    pm = publish(actors, make_item(), fixture("bpmn_not_executable"))
    assert b'isExecutable="false"' in pm.document.xml_bytes  # only the parsed copy is marked executable


def test_a_merge_with_two_unconditioned_flows_is_still_refused():
    xml = fixture("bpmn_xor_merge").replace(
        b'<bpmn:sequenceFlow id="f4" sourceRef="Join" targetRef="EndEvent_1"/>',
        b'<bpmn:sequenceFlow id="f4" sourceRef="Join" targetRef="EndEvent_1"/>'
        b'<bpmn:sequenceFlow id="f5" sourceRef="Join" targetRef="EndEvent_1"/>')
    ids = {p.element_id for p in engine.validate(xml, MAPPED)}
    assert {"f4", "f5"} <= ids


def test_a_signavio_export_runs_with_its_lanes_and_abstract_tasks():
    world, actors = setup()
    item = make_item()
    xml = fixture("signavio_export")
    assert engine.validate(xml, MAPPED) == []
    a = engine.analyse(xml)
    assert a.process_id == "sid-process-0001" and not a.executable
    assert {n.id: n.actor_keys for n in a.user_tasks()} == {
        "sid-accept": ["受理窗口"], "sid-handle": ["承办人"], "sid-refer": ["承办人"]}
    pm = publish(actors, item, xml)
    assert pm.document.xml_bytes == xml and not pm.layout_generated
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    done = run_to_end(actors, case, {"sid-handle": {"done": False}})
    assert list(done.steps.values_list("task_name", flat=True)) == ["受理", "办理", "转办"]
    assert done.end_event == "sid-end"


def test_an_empty_pool_beside_the_process_is_ignored():
    xml = fixture("bpmn_not_executable").replace(
        b"</bpmn:definitions>", b'<bpmn:process id="P_Citizen" name="\xe7\x94\xb3\xe8\xaf\xb7\xe4\xba\xba" '
                                 b'isExecutable="false"/></bpmn:definitions>')
    assert engine.analyse(xml).process_id == "P"
    assert engine.validate(xml, MAPPED) == []


def test_two_non_executable_processes_are_refused_at_import_in_chinese():
    world, actors = setup()
    item = make_item()
    second = fixture("bpmn_not_executable").split(b"<bpmn:process", 1)[1].split(b"</bpmn:process>", 1)[0]
    second = second.replace(b'id="P"', b'id="P2"').replace(b'id="', b'id="x_').replace(b'Ref="', b'Ref="x_') \
        .replace(b'default="', b'default="x_')
    xml = fixture("bpmn_not_executable").replace(b"</bpmn:definitions>",
                                                 b"<bpmn:process" + second + b"</bpmn:process></bpmn:definitions>")
    r = _client(actors.editor).post("/api/process-maps/import/", {"item": item.code, "division": COUNTY,
                                                                  "xml": xml.decode()}, format="json")
    assert r.status_code == 400
    body = r.json()["error"]
    assert "一个流程图只能有一个流程" in body["message"] and "not executable" not in body["message"]
    assert {p["element_id"] for p in body["fields"]["problems"]} == {"P", "x_P2"}
    assert not ProcessMap.objects.exists()
