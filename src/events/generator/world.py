"""What the generator reads once (`World`) and who acts (`Actor`)."""
from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from core.roles import Role
from events import lifecycle, routing
from events.choices import Level
from events.models import Event, EventClass, EventCounter

# Relative frequency of each major class (two-digit code); a major's weight is shared by its
# classes, the catch-all "其他" (xx999) counting half.
MAJOR_WEIGHT = {"01": 3, "02": 3, "03": 3, "04": 2, "06": 30, "07": 8, "08": 6, "09": 16, "10": 2,
                "51": 6, "52": 4, "53": 4, "54": 2, "55": 4, "56": 2, "57": 2, "58": 2, "59": 1}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    unit_id: int | None = None
    roles: tuple[str, ...] = ()


class World:
    """What the generator reads once: classes, the grid index, accounts, grid heads, counters."""

    def __init__(self) -> None:
        from accounts.models import User
        from grids import locator
        from grids.choices import TeamRole
        from grids.models import GridMembership
        from org.models import Unit

        self.classes = list(EventClass.objects.filter(is_active=True).select_related("matter").order_by("code"))
        if not self.classes:
            raise RuntimeError("no event classes: load them first (manage.py load_event_classes)")
        self.class_weights = _class_weights(self.classes)
        self.class_cum_weights = list(itertools.accumulate(self.class_weights))
        self.index = locator.get_index()
        if len(self.index) == 0:
            raise RuntimeError("no active grids: the generator samples points inside grids")
        self.names = self.index.division_names
        self.units = dict(Unit.objects.values_list("id", "name"))
        self.county_departments: dict[str, list[int]] = defaultdict(list)
        for unit_id, division in Unit.objects.filter(kind="county_department").order_by("id").values_list(
                "id", "division_id"):
            self.county_departments[division].append(unit_id)
        self.centres: dict[tuple[str, str], Actor] = {}
        self.handlers: dict[int, Actor] = {}
        self.users: dict[int, Actor] = {}
        centre_roles: dict[str, str] = {role: level for level, role in lifecycle.CENTRE_ROLE.items()}
        for uid, username, display, roles, unit_id, division in User.objects.filter(is_active=True).order_by(
                "username").values_list("id", "username", "display_name", "roles", "unit_id", "division_id"):
            actor = Actor(uid, display or username, unit_id, tuple(roles or ()))
            self.users[uid] = actor
            for role in actor.roles:
                if role in centre_roles and division:
                    self.centres.setdefault((centre_roles[role], division), actor)
            if Role.DEPT_HANDLER in actor.roles and unit_id:
                self.handlers.setdefault(unit_id, actor)
        self.heads: dict[int, tuple[int | None, str]] = {
            grid: (user, name) for grid, user, name in GridMembership.objects.filter(role=TeamRole.HEAD).order_by(
                "grid_id").values_list("grid_id", "worker__user_id", "worker__name")}
        self.counters = {(d, c): last for d, c, last in EventCounter.objects.values_list("division_id", "class_code",
                                                                                       "last")}
        self.counters_seen = set(self.counters)
        self.counters_written = dict(self.counters)  # as stored (write.write_counters)
        self._routes: dict[tuple[Any, ...], routing.Route] = {}

    def route(self, cls: EventClass, loc: routing.Location, severity: str, day: dt.date) -> routing.Route:
        key = (loc.town, loc.county, cls.code, severity, day)
        found = self._routes.get(key)
        if found is None:
            found = self._routes[key] = routing.route(cls, loc, severity, day)
        return found

    def centre(self, level: str, event: Event) -> Actor:
        codes: dict[str, str | None] = {Level.TOWN: event.town_id, Level.COUNTY: event.county_id,
                                        Level.CITY: (event.county_id or event.division_id)[:4] + "00000000"}
        code = codes.get(level) or ""
        return self.centres.get((level, code)) or Actor(None, f"{self.names.get(code, '')}指挥中心")

    def handler(self, unit_id: int | None) -> Actor:
        if unit_id is not None and unit_id in self.handlers:
            return self.handlers[unit_id]
        return Actor(None, f"{self.units.get(unit_id or 0, '承办单位')}处置人员", unit_id)

    def next_code(self, county: str, class_code: str) -> str:
        key = (county, class_code)
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{county[:6]}{class_code}{self.counters[key]:06d}"


def _class_weights(classes: list[EventClass]) -> list[float]:
    by_major: dict[str, list[EventClass]] = defaultdict(list)
    for cls in classes:
        by_major[cls.major].append(cls)
    weights = []
    for cls in classes:
        share = 0.5 if cls.code.endswith("999") else 1.0
        total = sum(0.5 if c.code.endswith("999") else 1.0 for c in by_major[cls.major])
        weights.append(MAJOR_WEIGHT.get(cls.major, 1) * share / total)
    return weights
