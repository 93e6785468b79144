"""Body names are matched after NFKC normalisation (issue 12 item 4): 综合执法局 typed with a
trailing space or 乡(镇) typed half-width is the same body, never a second one."""
import pytest
from rest_framework.test import APIClient

from core.errors import Conflict
from core.testing.world import build_world
from org import selectors, services
from org.models import Unit

pytestmark = pytest.mark.django_db
TOWN = "321002106000"


def test_unit_named_matches_full_and_half_width_forms_and_spacing() -> None:
    build_world()
    unit = Unit.objects.create(division_id=TOWN, name="乡（镇）综合执法局", kind="bureau")
    assert selectors.unit_named(TOWN, " 乡(镇)综合执法局 ") == unit
    assert selectors.unit_named(TOWN, "乡(镇)综合执法") is None
    assert selectors.unit_named("321002001000", "乡(镇)综合执法局") is None  # another town's body


def test_provisioning_keeps_a_body_already_there_under_another_width() -> None:
    world = build_world()
    Unit.objects.create(division_id=TOWN, name="综合执法局 ", kind="bureau")
    created = services.units_provision_town(town=world.divisions[TOWN])
    assert "综合执法局" not in {u.name for u in created}
    assert sum(1 for n in Unit.objects.filter(division_id=TOWN).values_list("name", flat=True)
               if n.strip() == "综合执法局") == 1


def test_a_second_stationed_body_of_the_same_name_is_refused() -> None:
    world = build_world()
    dept = Unit.objects.create(division_id="321002000000", name="广陵区公安局", kind="county_department")
    services.stationed_body_create(town=world.divisions[TOWN], name="湾头派出所（驻镇）", home_department=dept)
    with pytest.raises(Conflict, match="已有名为"):
        services.stationed_body_create(town=world.divisions[TOWN], name="湾头派出所(驻镇)", home_department=dept)


def test_the_api_refuses_a_body_whose_name_differs_only_in_width() -> None:
    world = build_world()
    Unit.objects.create(division_id=TOWN, name="行政审批局（便民服务中心）", kind="bureau")
    api = APIClient()
    api.force_authenticate(world.users["county-user"])
    before = Unit.objects.count()
    r = api.post("/api/org/units/", {"division": TOWN, "name": "行政审批局(便民服务中心)", "kind": "bureau"},
                 format="json")
    assert r.status_code == 400 and "同名机构" in str(r.json())
    assert Unit.objects.count() == before
    r = api.post("/api/org/units/", {"division": TOWN, "name": "行政审批局（窗口）", "kind": "bureau"}, format="json")
    assert r.status_code == 201, r.json()
