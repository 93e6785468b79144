"""The demo has a handler for the unit that takes most of 东关街道's events (its 城市管理局, where the
catalog routes 06010), so a newcomer can follow an event to 处置; an older demo database gets it too."""
from __future__ import annotations

import pytest

from accounts import demo
from accounts.models import User
from accounts.tests.helpers import account
from core import audit
from core.roles import Role
from org.models import Unit

pytestmark = pytest.mark.django_db


def _units(world) -> Unit:  # noqa: ANN001
    with audit.acting_as(world.insider):
        Unit.objects.create(division=world.town_a, name="综合执法局", kind="bureau")
        return Unit.objects.create(division=world.town_a, name="城市管理局", kind="bureau")


def test_the_demo_has_a_handler_for_the_town_unit(world) -> None:  # noqa: ANN001
    unit = _units(world)
    demo.load(lambda message: None)
    user = User.objects.get(username="demo-unit-321002001")
    assert (user.unit_id, user.division_id, user.roles, user.is_synthetic) == (
        unit.pk, "321002001000", [Role.DEPT_HANDLER], True)
    from web.management.commands.demo_logins import FEATURED

    assert "demo-unit-321002001" in FEATURED


def test_an_older_demo_database_gets_the_unit_handler(world) -> None:  # noqa: ANN001
    unit = _units(world)
    account("demo-city", [Role.CITY_COMMAND], "321000000000", is_synthetic=True)
    said: list[str] = []
    demo.load(said.append)
    assert User.objects.get(username="demo-unit-321002001").unit_id == unit.pk
    assert any("demo-unit-321002001" in s for s in said)
    demo.load(said.append)   # once only
    assert User.objects.filter(username="demo-unit-321002001").count() == 1
