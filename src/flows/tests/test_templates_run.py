"""Every template runs to its end, and both branches of every template gateway are driven."""
import pytest

from flows import services
from flows.models import Case
from flows.tests.helpers import TOWN_A, make_item, publish, run_to_end, setup, template

pytestmark = pytest.mark.django_db

# (template, inputs per task, expected end event, expected visited task names in order)
BRANCHES = [
    ("approval", {"Task_Review": {"review": "pass"}, "Task_Decide": {"decision": "approve"}}, "EndEvent_Done",
     ["受理", "审查", "决定", "送达"]),
    ("approval", {"Task_Review": {"review": "pass"}, "Task_Decide": {"decision": "reject"}}, "EndEvent_Rejected",
     ["受理", "审查", "决定", "不予许可告知"]),
    ("penalty", {"Task_Notify": {"hearing": "yes"}}, None, ["立案", "调查取证", "审核", "告知", "陈述申辩/听证", "决定", "执行", "结案"]),
    ("penalty", {"Task_Notify": {"hearing": "no"}}, None, ["立案", "调查取证", "审核", "告知", "决定", "执行", "结案"]),
    ("inspection", {"Task_OnSite": {"finding": "problem"}}, None, None),
    ("inspection", {"Task_OnSite": {"finding": "ok"}}, None, None),
    ("public_service", {"Task_Handle": {"result": "done"}}, None, None),
    ("public_service", {"Task_Handle": {"result": "refer"}}, None, None),
    ("ten_step", {}, None, [f"步骤{i}" for i in range(1, 11)]),
]


@pytest.mark.parametrize("name,answers,end,names", BRANCHES, ids=lambda v: str(v)[:30])
def test_template_branch_runs_to_its_end(name, answers, end, names):
    world, actors = setup()
    item = make_item(kind="approval")
    publish(actors, item, template(name))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    case = run_to_end(actors, case, answers)
    assert case.state == "completed"
    if end:
        assert case.end_event == end
    steps = list(case.steps.order_by("seq").values_list("task_name", flat=True))
    if names:
        assert steps == names
    assert Case.objects.get(pk=case.pk).ready_tasks == []


def test_approval_correction_loop_returns_to_review():
    world, actors = setup()
    item = make_item()
    publish(actors, item, template("approval"))
    case = services.case_start(user=actors.handler, item=item, division_code=TOWN_A)
    seen = {"n": 0}

    def answers():
        return {"Task_Review": {"review": "correction" if seen["n"] == 0 else "pass"}, "Task_Decide": {"decision": "approve"}}

    for _ in range(10):
        case = Case.objects.get(pk=case.pk)
        if case.state == "completed":
            break
        ready = case.ready_tasks[0]
        inputs = answers().get(ready["spec"], {})
        if ready["spec"] == "Task_Review":
            seen["n"] += 1
        services.case_complete_task(user=actors.for_lane(ready["keys"][0]), case_id=case.pk, task_id=ready["id"],
                                    inputs=inputs)
    names = list(case.steps.order_by("seq").values_list("task_name", flat=True))
    assert names == ["受理", "审查", "补正材料", "审查", "决定", "送达"]
