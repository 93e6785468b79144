"""Gateway inputs in their types, labelled from the map, checked the way the engine decides
(turn2 `bpmn_boolean_gateway_page.bpmn` and `bpmn_gateway_two_variables.bpmn`)."""
import itertools
import re

import pytest
from rest_framework.test import APIClient

from core.errors import PlatformError
from flows import engine, inputs, services
from flows.models import Case
from flows.tests.helpers import TOWN_A, fixture, make_item, publish, setup, template

pytestmark = pytest.mark.django_db

ENGINE_TEXT = re.compile(r"Error evaluating|No conditions|Traceback|[A-Za-z]+Error|[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}")


def _started(name_or_xml):
    world, actors = setup()
    item = make_item()
    xml = fixture(name_or_xml) if isinstance(name_or_xml, str) else name_or_xml
    publish(actors, item, xml)
    return actors, services.case_start(user=actors.handler, item=item, division_code=TOWN_A)


def _fields(case):
    comp = engine.compiled(case.spec_sha)
    return [f.as_dict() for f in inputs.fields(comp.analysis, case.ready_tasks[0]["spec"])]


def _refusal(user, case, values):
    with pytest.raises(PlatformError) as exc:
        services.case_complete_task(user=user, case_id=case.pk, task_id=case.ready_tasks[0]["id"], inputs=values)
    assert not ENGINE_TEXT.search(exc.value.message), exc.value.message
    return exc.value


@pytest.mark.parametrize("variant", [b"${approved}", b"${approved == true}"])
def test_a_yes_no_condition_is_a_boolean_choice_labelled_from_the_map(variant):
    xml = fixture("bpmn_boolean_gateway_page").replace(b"${approved}", variant) \
        .replace(b"${!approved}", b"${approved == false}" if variant != b"${approved}" else b"${!approved}")
    actors, case = _started(xml)
    assert _fields(case) == [{"name": "approved", "type": "boolean", "label": "是否同意", "gateway": "Split",
                              "choices": [{"value": True, "label": "是"}, {"value": False, "label": "否"}]}]
    before = Case.objects.filter(pk=case.pk).values("revision", "current_step").get()
    for wrong in ("True", "是", 1):
        err = _refusal(actors.handler, case, {"approved": wrong})
        assert err.code == "gateway_inputs" and "是/否" in err.message and "Split" in err.message
    assert Case.objects.filter(pk=case.pk).values("revision", "current_step").get() == before
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                inputs={"approved": True})
    assert Case.objects.get(pk=case.pk).current_step == "办理"


def test_two_variables_get_their_own_types_and_labels():
    actors, case = _started("bpmn_gateway_two_variables")
    fields = {f["name"]: f for f in _fields(case)}
    assert fields["urgent"]["type"] == "boolean" and fields["urgent"]["label"] == "紧急处置"
    assert fields["amount"]["type"] == "number" and fields["amount"]["label"] == "大额审批"
    assert fields["amount"]["choices"] == []


def test_a_number_as_text_is_refused_naming_the_type_and_a_number_goes_through():
    actors, case = _started("bpmn_gateway_two_variables")
    err = _refusal(actors.handler, case, {"urgent": False, "amount": "5000"})
    assert "应为数字" in err.message and "Xor" in err.message and "大额审批" in err.message
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                inputs={"urgent": False, "amount": 5000})
    assert Case.objects.get(pk=case.pk).current_step == "大额审批"


def test_a_missing_input_names_what_to_fill():
    actors, case = _started("bpmn_gateway_two_variables")
    err = _refusal(actors.handler, case, {})
    # the engine's order decides which is asked first (Spiff sorts a gateway's flows by the layout)
    assert "需要填写" in err.message and ("urgent" in err.message or "amount" in err.message) and "Xor" in err.message


def _engine_alone(xml, data):
    """Run the bare SpiffWorkflow engine on the same map and data: 'ok', or 'error'."""
    a = engine.analyse(xml)
    wf = engine.new_workflow(engine._build_spec(xml, a))
    task = engine.ready_user_tasks(wf)[0]
    task.data.update(data)
    try:
        task.run()
        wf.do_engine_steps()
    except Exception:  # noqa: BLE001
        return "error", None
    return "ok", sorted(t.task_spec.bpmn_id for t in engine.ready_user_tasks(wf)) or ["(end)"]


URGENT: list[bool | None] = [None, True, False]
AMOUNT: list[float | None] = [None, 0, 999, 1000, 5000.5]


def test_the_platform_and_the_engine_agree_on_every_combination():
    """Typed inputs: whatever the service accepts the engine runs to the same tasks, and whatever
    the engine would fail on the service refuses in Chinese with nothing written."""
    actors, case = _started("bpmn_gateway_two_variables")
    xml = case.process_map.document.xml_bytes  # as stored (the import generated its layout)
    outcomes = []
    for urgent, amount in itertools.product(URGENT, AMOUNT):
        data = {k: v for k, v in (("urgent", urgent), ("amount", amount)) if v is not None}
        case = services.case_start(user=actors.handler, item=case.item, division_code=TOWN_A)
        expected, tasks = _engine_alone(xml, data)
        outcomes.append(expected)
        try:
            services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                        inputs=data)
        except PlatformError as exc:
            assert expected == "error", (data, exc.message)
            assert not ENGINE_TEXT.search(exc.message)
            assert Case.objects.get(pk=case.pk).revision == 0
            continue
        assert expected == "ok", data
        row = Case.objects.get(pk=case.pk)
        assert (sorted(r["spec"] for r in row.ready_tasks) or ["(end)"]) == tasks, data
    assert {"ok", "error"} == set(outcomes)


def test_the_approval_review_step_offers_its_flows_names():
    actors, case = _started(template("approval"))
    services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"])
    case.refresh_from_db()
    assert _fields(case) == [{"name": "review", "type": "choice", "label": "审查结果", "gateway": "Gateway_Materials",
                              "choices": [{"value": "correction", "label": "需补正"}, {"value": "pass", "label": "通过"}]}]
    client = APIClient()
    client.force_authenticate(actors.handler)
    ready = client.get(f"/api/cases/{case.pk}/ready/").json()["results"][0]
    assert ready["inputs"] == _fields(case) and ready["fields"] == {"review": ["correction", "pass"]}
    step = services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                       inputs={"review": "pass"})
    comp = engine.compiled(case.spec_sha)
    assert inputs.describe(comp.analysis, step.task_spec, step.inputs) == [("审查结果", "通过")]


def test_the_case_page_renders_typed_inputs_with_nothing_selected(client):
    actors, case = _started("bpmn_gateway_two_variables")
    client.force_login(actors.handler)
    html = client.get(f"/flows/cases/{case.pk}/").content.decode()
    assert '<input type="number" step="any" name="f:amount" data-kind="number">' in html
    assert '<option value="" selected>请选择</option><option value="true">是</option><option value="false">否</option>' \
        in html
    assert "大额审批" in html and "紧急处置" in html


def test_an_earlier_answer_never_decides_again_silently():
    """Review → 需补正 → 补正材料 → review again with nothing chosen: refused, not sent back again."""
    actors, case = _started(template("approval"))
    for inputs_ in ({}, {"review": "correction"}, {}):
        case.refresh_from_db()
        services.case_complete_task(user=actors.handler, case_id=case.pk, task_id=case.ready_tasks[0]["id"],
                                    inputs=inputs_)
    case.refresh_from_db()
    assert case.current_step == "审查" and case.data["review"] == "correction"
    err = _refusal(actors.handler, case, {})
    assert "需要填写" in err.message and "审查结果" in err.message and "Gateway_Materials" in err.message
    assert Case.objects.get(pk=case.pk).current_step == "审查"
