"""Small fixtures built in the test: the two-town world, units, actors, items and published maps."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from catalog.models import Item
from core import audit
from core.testing.world import World, build_world
from flows import services
from flows.models import ProcessMap
from org.models import Unit

TEMPLATES = Path(__file__).resolve().parent.parent / "bpmn" / "templates"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOWN_A = "321002001000"
COUNTY = "321002000000"


def template(name: str) -> bytes:
    return (TEMPLATES / f"{name}.bpmn").read_bytes()


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.bpmn").read_bytes()


def make_item(code: str = "FLOWTEST-001", kind: str = "approval", name: str = "测试许可事项") -> Item:
    return Item.objects.create(code=code, name=name, kind=kind, legal_basis="《测试法》第一条", department_code="D01")


class Actors:
    """Town A (东关街道) staff: a window clerk, an enforcement officer, a leader; a county editor."""

    def __init__(self, world: World) -> None:
        self.world = world
        town = TOWN_A
        self.approval_unit = Unit.objects.create(division_id=town, name="行政审批局", kind="bureau")
        self.enforce_unit = Unit.objects.create(division_id=town, name="综合执法局", kind="bureau")
        self.office_unit = Unit.objects.create(division_id=town, name="党政办公室", kind="office")
        self.handler = world.user("t-handler", town, ["dept_handler"])
        self.handler.unit = self.approval_unit
        self.handler.save()
        self.officer = world.user("t-officer", town, ["dept_handler"])
        self.officer.unit = self.enforce_unit
        self.officer.save()
        self.leader = world.user("t-leader", town, ["leader"])
        self.leader.unit = self.office_unit
        self.leader.save()
        self.grid = world.user("t-grid", town, ["grid_worker"])
        self.editor = world.user("t-editor", COUNTY, ["reform_office"])
        self.town_editor = world.user("t-town-editor", town, ["town_command"])

    def for_lane(self, lane: str) -> Any:
        return {"受理窗口": self.handler, "承办人": self.handler, "审核人": self.handler, "负责人": self.leader,
                "执法队员": self.officer, "法制审核": self.officer, "网格员": self.grid}[lane]


def setup() -> tuple[World, Actors]:
    world = build_world()
    services.lanemapping_seed_defaults()
    return world, Actors(world)


def publish(actors: Actors, item: Item, xml: bytes, division: str = COUNTY, source: str = "test.bpmn") -> ProcessMap:
    with audit.acting_as(actors.editor, source="test"):
        pm = services.processmap_import(user=actors.editor, item=item, division_code=division, xml=xml,
                                        source_name=source)
        return services.processmap_publish(user=actors.editor, process_map=pm)


def run_to_end(actors: Actors, case: Any, answers: dict[str, dict]) -> Any:
    """Complete ready tasks until the case ends; `answers` maps a task id (BPMN) to its inputs."""
    from flows.models import Case

    for _ in range(40):
        case = Case.objects.get(pk=case.pk)
        if case.state == "completed":
            return case
        ready = case.ready_tasks[0]
        user = actors.for_lane(ready["keys"][0])
        services.case_complete_task(user=user, case_id=case.pk, task_id=ready["id"],
                                    inputs=answers.get(ready["spec"], {}))
    raise AssertionError("case did not end")
