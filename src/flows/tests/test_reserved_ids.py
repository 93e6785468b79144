"""An element id that is one of SpiffWorkflow's own task-spec names is refused at validation
(turn2 `bpmn_startevent_id_Start.bpmn`: it published, then every case start was a 500)."""
import pytest
from rest_framework.test import APIClient

from flows import engine, services
from flows.models import Case, ProcessMap
from flows.tests.helpers import COUNTY, TOWN_A, fixture, make_item, publish, setup, template

pytestmark = pytest.mark.django_db

MAPPED = {"承办人", "审核人", "负责人"}
START = fixture("bpmn_startevent_id_Start")


def _renamed(old: bytes, new: bytes) -> bytes:
    return START.replace(b'id="%s"' % old, b'id="%s"' % new).replace(b'Ref="%s"' % old, b'Ref="%s"' % new)


@pytest.mark.parametrize("xml,element", [
    (START, "Start"),
    (_renamed(b"EndEvent_1", b"End"), "End"),
    (_renamed(b"T", b"Root"), "Root"),
    (_renamed(b"T", b"P.EndJoin"), "P.EndJoin"),                   # the process's own end join
    (_renamed(b"T", b"Task.BoundaryEventSplit"), "Task.BoundaryEventSplit"),
    (_renamed(b"T", b"Task.BoundaryEventJoin"), "Task.BoundaryEventJoin"),
])
def test_every_reserved_engine_name_is_refused_naming_the_element(xml, element):
    problems = engine.validate(xml, MAPPED)
    hits = [p for p in problems if p.element_id == element]
    assert hits and "流程引擎内部的任务名冲突" in hits[0].message, problems


@pytest.mark.parametrize("new", [b"start", b"StartEvent", b"Start_1", b"EndJoin", b"Ending"])
def test_names_that_only_look_alike_are_accepted(new):
    assert engine.validate(_renamed(b"Start", new), MAPPED) == []


def test_the_reserved_names_are_the_engines_own():
    """The list is SpiffWorkflow 3.2's: a spec built from any valid map holds exactly these."""
    a = engine.analyse(template("approval"))
    spec = engine.compiled("reserved-names-check", template("approval")).spec
    internal = set(spec.task_specs) - set(a.nodes)
    assert internal == {"Start", "End", f"{a.process_id}.EndJoin"}
    assert internal <= engine.RESERVED_IDS | {f"{a.process_id}.EndJoin"}


def test_start_id_map_is_refused_at_publish_and_the_map_in_force_stays():
    world, actors = setup()
    item = make_item()
    good = publish(actors, item, template("approval"))
    client = APIClient()
    client.force_authenticate(actors.editor)
    r = client.post("/api/process-maps/import/", {"item": item.code, "division": COUNTY, "xml": START.decode()},
                    format="json")
    assert r.status_code == 201
    pm_id = r.json()["id"]
    r = client.post(f"/api/process-maps/{pm_id}/publish/", {}, format="json")
    assert r.status_code == 400 and "Start" in r.json()["error"]["message"]
    good.refresh_from_db()
    assert good.status == "published" and ProcessMap.objects.get(pk=pm_id).status == "draft"
    assert services.case_start(user=actors.handler, item=item, division_code=TOWN_A).process_map_id == good.pk


def test_a_map_published_before_the_check_refuses_case_starts_in_chinese():
    world, actors = setup()
    item = make_item()
    pm = services.processmap_import(user=actors.editor, item=item, division_code=COUNTY, xml=START)
    ProcessMap.objects.filter(pk=pm.pk).update(status="published")  # as it was before the check
    client = APIClient()
    client.force_authenticate(actors.handler)
    r = client.post("/api/cases/", {"item": item.code, "division": TOWN_A}, format="json")
    assert r.status_code == 400, r.content
    message = r.json()["error"]["message"]
    assert "无法启动" in message and "No output" not in message
    assert not Case.objects.exists()
