"""A Camunda Modeler file imports, validates, publishes, runs to its end; export is byte-for-byte."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from flows.models import Case
from flows.tests.helpers import COUNTY, TOWN_A, fixture, make_item, setup

pytestmark = pytest.mark.django_db


def _client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_camunda_modeler_file_round_trip_through_the_api():
    world, actors = setup()
    item = make_item()
    raw = fixture("camunda_modeler")
    editor = _client(actors.editor)
    r = editor.post("/api/process-maps/import/", {"item": item.code, "division": COUNTY,
                                                  "file": SimpleUploadedFile("camunda_modeler.bpmn", raw)},
                    format="multipart")
    assert r.status_code == 201, r.content
    pm = r.json()
    assert pm["status"] == "draft" and pm["process_id"] == "Process_0q8k2vd" and not pm["layout_generated"]
    v = editor.post(f"/api/process-maps/{pm['id']}/validate/", {}, format="json").json()
    assert v == {"valid": True, "problems": []}
    assert editor.post(f"/api/process-maps/{pm['id']}/publish/", {}, format="json").json()["status"] == "published"

    handler, leader = _client(actors.handler), _client(actors.leader)
    case = handler.post("/api/cases/", {"item": item.code, "division": TOWN_A, "title": "许可申请"}, format="json")
    assert case.status_code == 201, case.content
    cid = case.json()["id"]
    ready = handler.get(f"/api/cases/{cid}/ready/").json()["results"]
    assert [r["name"] for r in ready] == ["审查"] and ready[0]["keys"] == ["承办人"] and ready[0]["you_may_act"]
    assert handler.post(f"/api/cases/{cid}/complete/", {"task_id": ready[0]["id"]}, format="json").status_code == 201
    ready = leader.get(f"/api/cases/{cid}/ready/").json()["results"]
    assert ready[0]["name"] == "决定" and ready[0]["fields"] == {"decision": ["approve", "reject"]}
    r = leader.post(f"/api/cases/{cid}/complete/", {"task_id": ready[0]["id"], "inputs": {"decision": "approve"}},
                    format="json")
    assert r.status_code == 201, r.content
    ready = handler.get(f"/api/cases/{cid}/ready/").json()["results"]
    assert ready[0]["name"] == "送达"
    handler.post(f"/api/cases/{cid}/complete/", {"task_id": ready[0]["id"]}, format="json")
    case = Case.objects.get(pk=cid)
    assert case.state == "completed" and case.end_event == "Event_1b2n4qk"
    history = handler.get(f"/api/cases/{cid}/history/").json()["results"]
    assert [h["task_name"] for h in history] == ["审查", "决定", "送达"]
    assert history[1]["inputs"] == {"decision": "approve"} and history[1]["actor_name"] == "t-leader"

    exported = handler.get(f"/api/process-maps/{pm['id']}/export/")
    assert exported.status_code == 200
    assert exported.content == raw, "export must be byte-for-byte the imported file"


def test_import_of_raw_xml_and_the_list_filters():
    world, actors = setup()
    item = make_item()
    editor = _client(actors.editor)
    r = editor.post("/api/process-maps/", {"item": item.code, "division": COUNTY,
                                           "xml": fixture("camunda_modeler").decode()}, format="json")
    assert r.status_code == 201
    assert editor.get(f"/api/process-maps/?status=draft&item={item.code}&division={COUNTY}").json()["count"] == 1
    assert editor.get("/api/process-maps/?status=published").json()["count"] == 0
    assert editor.get("/api/process-maps/?division=12").status_code == 400


def test_garbage_upload_is_a_400_with_a_message_and_writes_nothing():
    from flows.models import ProcessMap

    world, actors = setup()
    item = make_item()
    r = _client(actors.editor).post("/api/process-maps/import/", {"item": item.code, "division": COUNTY,
                                                                  "xml": "<not-bpmn"}, format="json")
    assert r.status_code == 400 and "XML" in r.json()["error"]["message"]
    assert ProcessMap.objects.count() == 0
    r = _client(actors.handler).post("/api/process-maps/import/", {"item": item.code, "division": COUNTY,
                                                                   "xml": fixture("camunda_modeler").decode()},
                                     format="json")
    assert r.status_code == 403
