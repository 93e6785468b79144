"""Division codes, prefixes and ancestors; reference vs operational visibility."""
import pytest

from core.scoping import Scope, ancestor_codes, code_level, code_prefix, scope_for
from core.testing.world import build_world
from divisions.models import Division
from org.models import Staff, Unit


@pytest.mark.parametrize(
    ("code", "level", "prefix", "ancestors"),
    [
        ("321000000000", "city", "3210", []),
        ("321002000000", "county", "321002", ["321000000000"]),
        ("321002001000", "town", "321002001", ["321000000000", "321002000000"]),
        ("321002001003", "village", "321002001003", ["321000000000", "321002000000", "321002001000"]),
        ("321002400000", "town", "321002400", ["321000000000", "321002000000"]),
    ],
)
def test_codes(code: str, level: str, prefix: str, ancestors: list[str]) -> None:
    assert code_level(code) == level
    assert code_prefix(code) == prefix
    assert ancestor_codes(code) == ancestors


def test_scope_covers_only_the_subtree() -> None:
    scope = Scope("321002001000")
    assert scope.covers("321002001003") and scope.covers("321002001000")
    assert not scope.covers("321002106000") and not scope.covers("321002000000")
    assert scope.can_read_reference("321002000000") and not scope.can_read_reference("321003000000")


@pytest.mark.django_db
def test_reference_data_reads_upward_operational_does_not() -> None:
    world = build_world()
    county_dept = Unit.objects.create(division=world.county, name="广陵区城市管理局", kind="county_department")
    other_county_dept = Unit.objects.create(division_id="321003000000", name="邗江区城市管理局", kind="county_department")
    Staff.objects.create(division=world.county, unit=county_dept, name="县局人员", establishment="行政")
    units = set(Unit.objects.visible_to(world.outsider))
    assert county_dept in units and other_county_dept not in units
    assert not Staff.objects.visible_to(world.outsider).exists()
    assert Staff.objects.visible_to(world.users["county-user"]).count() == 1
    assert not Unit.objects.writable_by(world.outsider).filter(pk=county_dept.pk).exists()


@pytest.mark.django_db
def test_anonymous_and_division_less_users_see_nothing_superuser_everything() -> None:
    world = build_world()
    nobody = world.user("nobody", None, ["town_command"])
    assert not Division.objects.visible_to(nobody).exists()
    assert scope_for(None).nothing
    assert Division.objects.visible_to(world.users["root"]).count() == Division.objects.count()
