"""No libxml2 or SpiffWorkflow text reaches a user: a DOCTYPE or entity declaration is refused,
bad XML and schema errors are described in Chinese with the line and the element id."""
import re

import pytest
from rest_framework.test import APIClient

from flows import engine
from flows.models import BpmnDocument, ProcessMap
from flows.tests.helpers import COUNTY, fixture, make_item, setup

pytestmark = pytest.mark.django_db

MAPPED = {"承办人", "审核人", "负责人"}
# English prose from lxml/libxml2/Spiff: three words in a row, or their well-known phrases.
FOREIGN = re.compile(r"[A-Za-z]{3,} [a-z]{2,} [a-z]{3,}|Element '|not executable|Error evaluating|expected '>'")
GOOD = fixture("bpmn_xor_merge")
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _import(actors, xml: bytes):
    client = APIClient()
    client.force_authenticate(actors.editor)
    return client.post("/api/process-maps/import/", {"item": "FLOWTEST-001", "division": COUNTY,
                                                     "xml": xml.decode("utf-8")}, format="json")


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE bpmn:definitions [<!ENTITY x "xx">]>\n',                                   # internal entity
    b'<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',          # external entity (XXE)
    b'<!DOCTYPE bpmn:definitions [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n',  # expansion
    b'<!DOCTYPE bpmn:definitions SYSTEM "http://example.invalid/bpmn.dtd">\n',             # external DTD
    b'<!doctype bpmn:definitions>\n',
])
def test_a_doctype_is_refused_and_nothing_is_stored(doctype):
    world, actors = setup()
    make_item()
    xml = GOOD.replace(HEAD, HEAD + doctype)
    r = _import(actors, xml)
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert "DOCTYPE" in message and not FOREIGN.search(message)
    assert not ProcessMap.objects.exists() and not BpmnDocument.objects.exists()
    problems = engine.validate(xml, MAPPED)
    assert len(problems) == 1 and "DOCTYPE" in problems[0].message


@pytest.mark.parametrize("broken,line", [
    (GOOD.replace(b"</bpmn:process>", b"</bpmn:proces>"), 18),
    (GOOD.replace(b'<bpmn:endEvent id="EndEvent_1"/>', b'<bpmn:endEvent id="EndEvent_1">'), 18),
    (GOOD.replace(b'id="Split"', b'id="Split'), 8),
    (b"\xff\xfe not xml at all", 1),
])
def test_bad_xml_is_described_in_chinese_with_its_line(broken, line):
    world, actors = setup()
    make_item()
    r = _import(actors, broken) if broken[:1] != b"\xff" else None
    if r is not None:
        assert r.status_code == 400
        message = r.json()["error"]["message"]
        assert "XML 格式错误" in message and not FOREIGN.search(message), message
    with pytest.raises(engine.BpmnError) as exc:
        engine.analyse(broken)
    text = str(exc.value)
    assert "XML 格式错误" in text and f"第{line}行" in text and not FOREIGN.search(text), text


@pytest.mark.parametrize("change,element,words", [
    ((b'<bpmn:userTask id="Task_Do" name=', b'<bpmn:userTask id="Task_Do" priority="high" name='), "Task_Do", "属性"),
    ((b'<bpmn:exclusiveGateway id="Split" name=', b'<bpmn:exclusiveGateway id="Split" gatewayDirection="Sideways" name='),
     "Split", "取值"),
    ((b'<bpmn:userTask id="Task_Do" name="\xe5\x8a\x9e\xe7\x90\x86" camunda:candidateGroups="\xe6\x89\xbf\xe5\x8a\x9e\xe4\xba\xba"/>',
      b'<bpmn:userTask id="Task_Do" name="\xe5\x8a\x9e\xe7\x90\x86" camunda:candidateGroups="\xe6\x89\xbf\xe5\x8a\x9e\xe4\xba\xba">'
      b'<bpmn:startEvent id="Nested"/></bpmn:userTask>'), "Task_Do", "位置"),
])
def test_schema_errors_are_chinese_and_name_the_element(change, element, words):
    xml = GOOD.replace(*change)
    assert xml != GOOD
    problems = engine.validate(xml, MAPPED)
    assert problems, "the change must make the map invalid"
    hit = [p for p in problems if p.element_id == element]
    assert hit and words in hit[0].message and "BPMN 2.0" in hit[0].message, problems
    assert not any(FOREIGN.search(p.message) for p in problems), problems


def test_every_refusal_of_every_fixture_is_chinese_and_names_an_element():
    from pathlib import Path

    for path in sorted((Path(__file__).parent / "fixtures").glob("*.bpmn")):
        for p in engine.validate(path.read_bytes(), MAPPED):
            assert p.element_id, (path.name, p)
            assert not FOREIGN.search(p.message), (path.name, p)


def test_elements_the_platform_does_not_run_are_named_in_chinese():
    xml = GOOD.replace(
        '<bpmn:userTask id="Task_Do" name="办理" camunda:candidateGroups="承办人"/>'.encode(),
        '<bpmn:serviceTask id="Task_Do" name="办理" camunda:class="com.example.Delegate"/>'
        '<bpmn:boundaryEvent id="Timer_1" attachedToRef="Task_Do"><bpmn:timerEventDefinition id="TD_1">'
        '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'.encode())
    problems = {p.element_id: p.message for p in engine.validate(xml, MAPPED)}
    assert "服务任务（serviceTask）" in problems["Task_Do"]
    assert "边界事件（boundaryEvent）" in problems["Timer_1"]


def test_a_doctype_hidden_by_another_encoding_is_refused_after_parsing():
    xml = GOOD.replace(b"UTF-8", b"UTF-16").replace(
        HEAD.replace(b"UTF-8", b"UTF-16"),
        HEAD.replace(b"UTF-8", b"UTF-16") + b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n')
    utf16 = xml.decode("utf-8").encode("utf-16")
    assert b"DOCTYPE" not in utf16  # the byte scan cannot see it
    with pytest.raises(engine.BpmnError) as exc:
        engine.analyse(utf16)
    assert "DOCTYPE" in str(exc.value)
