"""The demo loader on a small world: maps for every routine item in every county, town versions,
demo staff who can act, cases in every state; a second run skips itself."""
import pytest

from catalog.models import Item
from core.testing.world import build_world
from flows import demo, services
from flows.models import Case, ProcessMap
from org.models import Unit

pytestmark = pytest.mark.django_db


def test_demo_publishes_maps_and_opens_cases_in_every_state(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_TOWNS", ["321002001000"])  # one town keeps the test short
    build_world()
    services.lanemapping_seed_defaults()
    for town in ("321002001000", "321002106000", "321003001000"):
        for name, kind in (("行政审批局", "bureau"), ("综合执法局", "bureau"), ("党政办公室", "office")):
            Unit.objects.create(division_id=town, name=name, kind=kind)
    for i, kind in enumerate(["approval", "penalty", "inspection", "public_service", "other"]):
        Item.objects.create(code=f"DEMO-{i}", name=f"演示事项{i}", kind=kind, legal_basis="x", department_code="D")
    Item.objects.create(code="DEMO-X", name="非常办", kind="other", legal_basis="x", department_code="D",
                        is_routine=False)
    said: list[str] = []
    demo.load(said.append)
    counties = 2
    assert ProcessMap.objects.filter(status="published", source_name__startswith="template:").count() == 5 * counties
    assert not ProcessMap.objects.filter(item__code="DEMO-X").exists()
    assert ProcessMap.objects.filter(source_name="demo-override", status="published").count() == 1
    town_a = Case.objects.filter(division_id="321002001000")
    assert town_a.filter(state="completed").exists() and town_a.filter(overdue=True).exists()
    positions = set(town_a.filter(state="running").values_list("current_step", flat=True))
    assert {"受理", "审查", "决定", "送达", "立案", "调查取证", "陈述申辩/听证", "结案", "现场检查", "复查"} <= positions
    override_cases = town_a.filter(process_map__source_name="demo-override")
    assert override_cases.exists()
    from accounts.models import User

    handler = User.objects.get(username="demo-handler-321002001")
    assert handler.unit.name == "行政审批局" and handler.roles == ["dept_handler"]
    demo.load(said.append)
    assert "跳过" in said[-1]
