"""The responsibility answer (主体/配合责任) and the gap report.

The responsibility answer is on the hot path (every event is routed through it), so it is
served from an in-process cache of dated intervals, one town at a time, invalidated across
processes by `core.cachegen` generation "catalog.responsibility". Because the cache holds
intervals, a return that takes effect next month changes the answer on that day without any
write or invalidation.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from catalog.models import Matter, Responsibility
from core import cachegen
from core.errors import NotFound, PlatformError
from core.filters import require_division_code
from core.scoping import code_level, scope_for

RESPONSIBILITY_CACHE = "catalog.responsibility"


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    kind: str
    division: str


@dataclass(frozen=True)
class Answer:
    """Who answers for a matter in a town on a date. `main` is None for a gap."""

    town: str
    matter: str
    matter_name: str
    main: UnitRef | None
    cooperating: tuple[UnitRef, ...]
    valid_from: dt.date | None
    valid_to: dt.date | None
    change_id: int | None
    county_department_code: str

    @property
    def gap(self) -> bool:
        return self.main is None

    def seen_by(self, user: Any) -> Answer:
        """This answer as `user` may read it: cooperating units outside their scope are left out.

        The cached answer is shared by every reader (routing needs all of it); a reader sees a
        unit only where the unit directory would show it (`Scope.can_read_reference`).
        """
        scope = scope_for(user)
        keep = tuple(u for u in self.cooperating if scope.everything or scope.can_read_reference(u.division))
        return self if keep == self.cooperating else replace(self, cooperating=keep)

    def as_dict(self, division: str | None = None, as_of: dt.date | None = None) -> dict[str, Any]:
        def unit(u: UnitRef | None) -> dict | None:
            return None if u is None else {"id": u.id, "name": u.name, "kind": u.kind, "division": u.division}

        return {
            "division": division or self.town, "town": self.town, "as_of": as_of.isoformat() if as_of else None,
            "matter": self.matter, "matter_name": self.matter_name, "main": unit(self.main),
            "cooperating": [unit(u) for u in self.cooperating], "gap": self.gap,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "change": self.change_id, "county_department_code": self.county_department_code,
        }


# (valid_from, valid_to, main, cooperating, change_id)
_Interval = tuple[dt.date | None, dt.date | None, UnitRef | None, tuple[UnitRef, ...], int | None]


class ResponsibilityCache:
    """Per-process cache: town code → matter code → dated intervals. Thread-safe, lazy per town."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = -1
        self._towns: dict[str, dict[str, list[_Interval]]] = {}
        self._matters: dict[str, tuple[str, str]] = {}  # code → (name, county department code)

    def clear(self) -> None:
        with self._lock:
            self._generation = -1
            self._towns = {}
            self._matters = {}

    def _check_generation(self) -> None:
        gen = cachegen.current(RESPONSIBILITY_CACHE)
        if gen != self._generation:
            with self._lock:
                if gen != self._generation:
                    self._towns = {}
                    self._matters = {}
                    self._generation = gen

    def matters(self) -> dict[str, tuple[str, str]]:
        if not self._matters:
            self._matters = {c: (n, d) for c, n, d in Matter.objects.values_list("code", "name", "department_code")}
        return self._matters

    def town(self, town: str) -> dict[str, list[_Interval]]:
        towns = self._towns  # a generation change swaps the dict; a late load lands in the old one
        found = towns.get(town)
        if found is None:
            found = self._load(town)
            towns[town] = found
        return found

    @staticmethod
    def _load(town: str) -> dict[str, list[_Interval]]:
        from org.models import Unit

        rows = list(Responsibility.objects.filter(division_id=town).values_list(
            "id", "matter__code", "valid_from", "valid_to", "main_unit_id", "change_id"))
        through = Responsibility.cooperating_units.through
        coop: dict[int, list[int]] = {}
        for rid, uid in through.objects.filter(responsibility__division_id=town).values_list(
                "responsibility_id", "unit_id"):
            coop.setdefault(rid, []).append(uid)
        unit_ids = {r[4] for r in rows if r[4]} | {u for us in coop.values() for u in us}
        units = {u[0]: UnitRef(*u) for u in Unit.objects.filter(pk__in=unit_ids).values_list(
            "id", "name", "kind", "division_id")}
        out: dict[str, list[_Interval]] = {}
        for rid, matter, start, end, main, change in rows:
            coops = tuple(sorted((units[u] for u in coop.get(rid, ()) if u in units), key=lambda u: u.id))
            out.setdefault(matter, []).append((start, end, units.get(main) if main else None, coops, change))
        for intervals in out.values():
            intervals.sort(key=lambda i: i[0] or dt.date.min)
        return out

    def answer(self, town: str, matter: str, on: dt.date) -> Answer:
        self._check_generation()
        meta = self.matters().get(matter)
        if meta is None:
            raise NotFound(f"职责事项 {matter} 不存在", code="unknown_matter", fields={"matter": ["职责事项不存在"]})
        chosen: _Interval | None = None
        for interval in self.town(town).get(matter, ()):
            start, end = interval[0], interval[1]
            if (start is None or start <= on) and (end is None or on < end):
                chosen = interval
        if chosen is None:
            return Answer(town, matter, meta[0], None, (), None, None, None, meta[1])
        return Answer(town, matter, meta[0], chosen[2], chosen[3], chosen[0], chosen[1], chosen[4], meta[1])


_cache = ResponsibilityCache()


def town_code_for(code: str) -> str:
    """The town (乡镇/街道) a 12-digit code lies in; refuses codes above town level."""
    require_division_code(code, code="bad_division")
    level = code_level(code)
    if level not in ("town", "village"):
        raise PlatformError("请给出乡镇（街道）或其下村（社区）的区划代码", code="not_in_town",
                            fields={"division": ["须为乡镇（街道）或村（社区）代码"]})
    return code[:9] + "000"


def responsibility_for(division_code: str, matter_code: str, on: dt.date | None = None) -> Answer:
    """Who is responsible for `matter_code` in the town containing `division_code`, on `on`.

    This is the call routing makes for every event: an in-process dictionary lookup once the
    town is warm. The caller is responsible for scoping (the API view checks the division is
    visible to the user).
    """
    town = town_code_for(division_code)
    return _cache.answer(town, matter_code, on or timezone.localdate())


def responsibility_cache() -> ResponsibilityCache:
    return _cache


def responsibilities_in_force(qs: QuerySet[Responsibility], on: dt.date | None = None) -> QuerySet[Responsibility]:
    on = on or timezone.localdate()
    return qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on))


@dataclass
class Gap:
    town: str
    town_name: str
    matter: str
    matter_name: str
    reason: str


def gaps(towns: QuerySet, matter_code: str | None = None, on: dt.date | None = None) -> list[Gap]:
    """Matters without a main responsible unit in some town (no row in force, or a row without main)."""
    on = on or timezone.localdate()
    town_names = dict(towns.values_list("code", "name"))
    matters = Matter.objects.all()
    if matter_code:
        matters = matters.filter(code=matter_code)
    matter_rows = list(matters.values_list("id", "code", "name"))
    in_force = responsibilities_in_force(
        Responsibility.objects.filter(division_id__in=list(town_names), matter__in=matters), on)
    # Towns where every matter has a main unit are settled by one aggregate; only the others'
    # rows are read (a city's towns hold ~70,000 rows, and nearly every town is complete).
    complete = {r["division_id"] for r in in_force.filter(main_unit__isnull=False).values("division_id").annotate(
        n=Count("matter_id", distinct=True)).order_by() if r["n"] == len(matter_rows)}
    town_names = {code: name for code, name in town_names.items() if code not in complete}
    rows = in_force.filter(division_id__in=list(town_names)).values_list("division_id", "matter_id", "main_unit_id")
    state: dict[tuple[str, int], bool] = {}
    for town, matter, main in rows:
        state[(town, matter)] = state.get((town, matter), False) or main is not None
    out = []
    for town in sorted(town_names):
        for mid, code, name in matter_rows:
            has = state.get((town, mid))
            if has is None:
                out.append(Gap(town, town_names[town], code, name, "未明确责任分工"))
            elif not has:
                out.append(Gap(town, town_names[town], code, name, "未明确主体责任单位"))
    return out
