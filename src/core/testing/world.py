"""A small two-town world for tests: the outsider (town A) must get nothing of town B.

    city 321000000000 扬州市
      county 321002000000 广陵区
        town A 321002001000 东关街道 (village 321002001001)   ← the outsider lives here
        town B 321002106000 湾头镇   (village 321002106001)   ← the target rows live here
      county 321003000000 邗江区
        town C 321003001000 (village 321003001001)

Tests create their own rows through `World`; no demo data is needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password

from core.roles import Role

ALL_ROLES: list[str] = [Role.CITY_COMMAND, Role.COUNTY_COMMAND, Role.TOWN_COMMAND, Role.DEPT_HANDLER, Role.GRID_WORKER,
             Role.REFORM_OFFICE, Role.LEADER, Role.AUDITOR]
_HASH: dict[str, str] = {}


def password_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = make_password("pw-12345")
    return _HASH["h"]


DIVISIONS = [
    ("321000000000", "扬州市", "city", "市", None),
    ("321002000000", "广陵区", "county", "县级", "321000000000"),
    ("321003000000", "邗江区", "county", "县级", "321000000000"),
    ("321002001000", "东关街道", "town", "街道", "321002000000"),
    ("321002106000", "湾头镇", "town", "镇", "321002000000"),
    ("321003001000", "蒋王街道", "town", "街道", "321003000000"),
    ("321002001001", "琼花观社区居委会", "village", "居委会", "321002001000"),
    ("321002106001", "湾头社区居委会", "village", "居委会", "321002106000"),
    ("321003001001", "蒋王社区居委会", "village", "居委会", "321003001000"),
]


@dataclass
class World:
    divisions: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    @property
    def town_a(self) -> Any:
        return self.divisions["321002001000"]

    @property
    def town_b(self) -> Any:
        return self.divisions["321002106000"]

    @property
    def town_c(self) -> Any:
        return self.divisions["321003001000"]

    @property
    def county(self) -> Any:
        return self.divisions["321002000000"]

    @property
    def city(self) -> Any:
        return self.divisions["321000000000"]

    def user(self, username: str, division_code: str | None, roles: list[str] | None = None,
             is_staff: bool = False, is_superuser: bool = False) -> Any:
        from accounts.models import User

        user = User.objects.create(username=username, division_id=division_code, roles=roles or [],
                                   is_staff=is_staff, is_superuser=is_superuser, password=password_hash())
        self.users[username] = user
        return user

    @property
    def outsider(self) -> Any:
        """A user of town A with every role and admin access: only scope can stop them."""
        return self.users["outsider"]

    @property
    def insider(self) -> Any:
        """A user of town B with every role: the rows the outsider must not reach are theirs."""
        return self.users["insider"]


def build_world() -> World:
    from divisions.models import Division

    world = World()
    for code, name, level, kind, parent in DIVISIONS:
        world.divisions[code] = Division.objects.create(code=code, name=name, level=level, kind=kind,
                                                        parent_id=parent)
    world.user("outsider", "321002001000", ALL_ROLES, is_staff=True)
    world.user("insider", "321002106000", ALL_ROLES, is_staff=True)
    world.user("county-user", "321002000000", ALL_ROLES, is_staff=True)
    world.user("city-user", "321000000000", ALL_ROLES, is_staff=True)
    world.user("root", None, [], is_staff=True, is_superuser=True)
    return world
