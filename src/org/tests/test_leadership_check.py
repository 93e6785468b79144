"""At least 30% of a town's leadership team served as village/community party secretary."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.testing.world import build_world
from divisions.models import Division
from org import selectors, services
from org.models import Unit

pytestmark = pytest.mark.django_db


def _team(town, size: int, secretaries: int) -> None:  # noqa: ANN001
    office = Unit.objects.create(division=town, name=f"{town.name}党政办公室", kind="office")
    for i in range(size):
        services.staff_create(unit=office, name=f"领导{i}", establishment="行政", is_leader=True,
                              served_village_secretary=i < secretaries)
    services.staff_create(unit=office, name="工作人员", establishment="行政", served_village_secretary=True)


@pytest.mark.parametrize(("size", "secretaries", "ok"), [(10, 3, True), (9, 2, False), (9, 3, True), (0, 0, False)])
def test_threshold(size: int, secretaries: int, ok: bool) -> None:
    world = build_world()
    _team(world.town_a, size, secretaries)
    check = selectors.leadership_check(world.town_a)
    assert (check.leaders, check.with_secretary_experience, check.ok) == (size, secretaries, ok)


def test_queryable_for_all_towns_and_shown_on_the_town_page() -> None:
    world = build_world()
    _team(world.town_a, 9, 4)
    _team(world.town_b, 9, 1)
    checks = {c.town_code: c.ok for c in selectors.leadership_checks(Division.objects.all())}
    assert checks == {"321002001000": True, "321002106000": False, "321003001000": False}
    api = APIClient()
    api.force_authenticate(world.users["county-user"])
    failing = api.get("/api/org/leadership-checks/?failing=true").json()["results"]
    assert [r["town"] for r in failing] == ["321002106000"]
    page = Client()
    page.force_login(world.outsider)
    html = page.get("/divisions/321002001000/").content.decode()
    assert "班子成员 9 人，其中曾任村（社区）书记 4 人" in html and "达标" in html
