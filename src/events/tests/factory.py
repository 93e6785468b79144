"""A small events world on top of core.testing.world, catalog/tests/factory.py and grids/tests/fixtures.py.

    东关街道 (town A, 321002001000): 06010 暴露垃圾 → matter ZZ-003 → main 东关街道综合执法局 (town level);
                                    06017 绿地脏乱 → matter ZZ-048 → main 广陵区城市管理局 (county level)
    湾头镇   (town B, 321002106000): ZZ-003 → main 湾头镇综合执法局; ZZ-048 has no main unit (a gap)
    every other seeded class maps to a matter this world lacks (a routing gap everywhere)

Users: `demo-grid-321002001` (grid worker, head of a grid in 东关街道), `centre-a` (东关 command
centre), `handler-a` (东关街道综合执法局), `centre-b`, `handler-b` (湾头镇), `county-centre`,
`county-handler` (广陵区城市管理局), `city-centre`, `hotline` (a city user taking 12345 calls).
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import services as catalog_services
from catalog.models import Matter
from catalog.tests.factory import Catalog, build_catalog
from core import audit
from core.roles import Role
from core.testing.world import World, build_world
from events import classes
from events.models import EventClass
from grids.models import Grid
from grids.tests import fixtures

A, B, COUNTY, CITY = "321002001000", "321002106000", "321002000000", "321000000000"
SINCE = dt.date(2025, 1, 1)


@dataclass
class EventWorld:
    world: World
    cat: Catalog
    grid_a: Grid
    grid_b: Grid
    users: dict[str, Any] = field(default_factory=dict)

    def cls(self, code: str) -> EventClass:
        return EventClass.objects.get(code=code)

    @property
    def unit_a(self) -> Any:
        return self.cat.units[f"{A}-综合执法局"]

    @property
    def unit_b(self) -> Any:
        return self.cat.units[f"{B}-综合执法局"]

    @property
    def county_dept(self) -> Any:
        return self.cat.units["321002-cgj"]


def _user(world: World, name: str, division: str, roles: list[str], unit: Any = None) -> Any:
    user = world.user(name, division, roles)
    if unit is not None:
        user.unit = unit
        user.save()
    return user


def build() -> EventWorld:
    world = build_world()
    cat = build_catalog(world)
    fixtures.lay_out(world)
    reform = cat.reform
    with audit.acting_as(reform, source="test"):
        zz3 = Matter.objects.create(code="ZZ-003", name="背街小巷问题处置", department_code="cgj", town_body="综合执法局")
        zz48 = Matter.objects.create(code="ZZ-048", name="公共绿地问题处置", department_code="cgj")
        u = cat.units
        catalog_services.responsibility_set(town=world.town_a, matter=zz3, main_unit=u[f"{A}-综合执法局"],
                                            cooperating=[u["321002-cgj"]], valid_from=SINCE, user=reform)
        catalog_services.responsibility_set(town=world.town_a, matter=zz48, main_unit=u["321002-cgj"],
                                            cooperating=[u[f"{A}-综合执法局"]], valid_from=SINCE, user=reform)
        catalog_services.responsibility_set(town=world.town_b, matter=zz3, main_unit=u[f"{B}-综合执法局"],
                                            cooperating=[], valid_from=SINCE, user=reform)
    classes.load_seed(division_code=CITY)
    grid_a = fixtures.grid_in(A)
    grid_b = fixtures.grid_in(B)
    ew = EventWorld(world, cat, grid_a, grid_b)
    worker = _user(world, "demo-grid-321002001", A, [Role.GRID_WORKER])
    fixtures.team_for(grid_a, worker)
    ew.users.update(
        worker=worker,
        centre_a=_user(world, "centre-a", A, [Role.TOWN_COMMAND]),
        handler_a=_user(world, "handler-a", A, [Role.DEPT_HANDLER], u[f"{A}-综合执法局"]),
        centre_b=_user(world, "centre-b", B, [Role.TOWN_COMMAND]),
        handler_b=_user(world, "handler-b", B, [Role.DEPT_HANDLER], u[f"{B}-综合执法局"]),
        county_centre=_user(world, "county-centre", COUNTY, [Role.COUNTY_COMMAND]),
        county_handler=_user(world, "county-handler", COUNTY, [Role.DEPT_HANDLER], u["321002-cgj"]),
        city_centre=_user(world, "city-centre", CITY, [Role.CITY_COMMAND]),
        hotline=_user(world, "hotline", CITY, [Role.CITY_COMMAND]),
    )
    return ew


def point_in(grid: Grid) -> tuple[float, float]:
    return fixtures.inside_point(grid)


def report(ew: EventWorld, *, user: Any = None, category: str | None = "06010", grid: Grid | None = None,
           channel: str = "grid", **extra: Any) -> Any:
    """A report through the one intake, as a grid worker inside their grid unless told otherwise."""
    from events.services import event_report

    lat, lng = point_in(grid or ew.grid_a)
    extra.setdefault("description", "路边堆放生活垃圾")
    return event_report(user=user or ew.users["worker"], channel=channel, category=category, lat=lat, lng=lng,
                        **extra).event


def photo(name: str = "处置后.jpg", colour: tuple[int, int, int] = (90, 140, 200)) -> SimpleUploadedFile:
    """A real small JPEG made with Pillow: 反馈 needs at least one photo (`lifecycle.NEEDS`). Fresh per
    call (an upload is read once)."""
    out = io.BytesIO()
    Image.new("RGB", (48, 36), colour).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
