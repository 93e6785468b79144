"""Locating and routing (定位与分拨): where an event is and which body answers for it.

Locating reuses `grids.locator.locate` (point → grid → village → town → county) and
`core.filters.resolve_division` (address text → the deepest division it names). Routing reuses
`catalog.selectors.responsibility_for` (class → matter → the responsibility in force in the town
today) and `catalog.services.admission_require` (the gate for handing county work to a town).
Nothing here writes.

Level rule (DESIGN.md §1 "市级统筹管大事、县级统抓管难事、乡级统办管琐事", issue 8 item 3):
- city   when the class or the reporter marks the event 重大 / 特别重大;
- county when the main responsibility lies with a county department, when more than one county
         department is named (main + cooperating), when the town has no main unit for the matter
         (a routing gap: the town has no power over it), when the class maps to no matter, or when
         the place is not known down to a town;
- town   otherwise: the main unit is a town body or a body stationed in the town.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from catalog.selectors import responsibility_for
from core.errors import PlatformError
from core.filters import resolve_division
from core.scoping import Scope, code_level
from events.choices import CITY_SEVERITIES, SEVERITY_RANK, Level, LocationStatus, Severity
from events.models import EventClass
from org.choices import UnitKind
from org.models import Unit


@dataclass
class Location:
    """Where an event is. `division` is the deepest certain division (None: not known at all)."""

    status: str
    lat: float | None = None
    lng: float | None = None
    grid_id: int | None = None
    village: str | None = None
    town: str | None = None
    county: str | None = None
    division: str | None = None
    candidates: list[dict[str, str]] = field(default_factory=list)
    note: str = ""
    grid_code: str = ""   # the grid's code and name as the locator answered (intake's answer shows them)
    grid_name: str = ""


def _levels(code: str | None) -> tuple[str | None, str | None, str | None]:
    """(village, town, county) codes above and including a division code."""
    if not code:
        return None, None, None
    level = code_level(code)
    village = code if level == "village" else None
    town = code[:9] + "000" if level in ("village", "town") else None
    county = code[:6] + "000000" if level in ("village", "town", "county") else None
    return village, town, county


def locate_point(lat: float, lng: float, crs: str, scope: Scope | None) -> Location:
    """A point through the grid index, limited to the grids `scope` may see (None: all)."""
    from grids import locator

    answer = locator.locate(lat, lng, crs, scope)
    lng_w, lat_w = answer["point"]
    if not answer["inside"]:
        return Location(LocationStatus.OUTSIDE_GRIDS, lat_w, lng_w, note="坐标不在您可见的任何网格内")
    grid = answer["grids"][0]
    village = answer["village"]["code"] if answer["village"] else None
    town = answer["town"]["code"] if answer["town"] else None
    county = answer["county"]["code"] if answer["county"] else None
    return Location(LocationStatus.IN_GRID, lat_w, lng_w, grid["id"], village, town, county,
                    division=village or town or county, grid_code=grid["code"], grid_name=grid["name"])


def locate_address(address: str, within: str | None) -> Location:
    """An address text through the one division parser; never a grid (an address is not a point)."""
    found = resolve_division(address, within)
    code = found.code
    village, town, county = _levels(code)
    if found.ambiguous:
        return Location(LocationStatus.AMBIGUOUS, village=village, town=town, county=county, division=code,
                        candidates=[p.as_dict() for p in found.candidates],
                        note=f"地址中的名称对应 {len(found.candidates)} 个区划，已定位到“{found.division.name if found.division else '—'}”，请指挥中心确认")
    return Location(LocationStatus.ADDRESS, village=village, town=town, county=county, division=code,
                    note="按地址定位，无网格" if code else "地址未能对应到区划")


def location_of_division(code: str, status: str = LocationStatus.REPORTER, note: str = "") -> Location:
    village, town, county = _levels(code)
    return Location(status, village=village, town=town, county=county, division=code, note=note)


@dataclass
class Route:
    """The routing proposal: matter, main unit, cooperating units, level, and why."""

    level: str
    reason: str
    matter_id: int | None = None
    matter_code: str = ""
    unit_id: int | None = None
    unit_name: str = ""
    cooperating: list[dict[str, Any]] = field(default_factory=list)
    gap: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "reason": self.reason, "matter": self.matter_code, "unit": self.unit_id,
                "unit_name": self.unit_name, "cooperating": self.cooperating, "gap": self.gap}


_TOWN_BODY_KINDS = (UnitKind.OFFICE, UnitKind.BUREAU, UnitKind.SERVICE_CENTRE, UnitKind.COMMAND_CENTRE,
                    UnitKind.STATIONED)


def effective_severity(event_class: EventClass | None, marked: str | None) -> str:
    """The higher of the class's default severity and the reporter's mark."""
    base = event_class.severity if event_class else Severity.ORDINARY
    if marked and SEVERITY_RANK.get(Severity(marked), 0) > SEVERITY_RANK[Severity(base)]:
        return marked
    return base


def _county_department(dept_code: str, county: str) -> Unit | None:
    from catalog.services import county_department_for

    return county_department_for(dept_code, county) if dept_code else None


def route(event_class: EventClass | None, location: Location, severity: str, on: dt.date) -> Route:
    """The proposal for an event of `event_class` at `location` (see the module docstring)."""
    if severity in CITY_SEVERITIES:
        base = _route_in_town(event_class, location, on) if location.town else None
        return Route(Level.CITY, "类别或上报人标记为重大/特别重大，由市级指挥中心统筹",
                     *(_proposal(base) if base else ()))
    if event_class is None:
        level = Level.TOWN if location.town else Level.COUNTY if location.county else Level.CITY
        return Route(level, "未确定事件类别，由指挥中心分类后分拨")
    if not location.town:
        level = Level.COUNTY if location.county else Level.CITY
        return Route(level, "位置未能确定到乡镇（街道），由上级指挥中心确认", event_class.matter_id,
                     event_class.matter.code if event_class.matter else "")
    return _route_in_town(event_class, location, on)


def _proposal(r: Route) -> tuple[int | None, str, int | None, str, list[dict[str, Any]], bool]:
    return r.matter_id, r.matter_code, r.unit_id, r.unit_name, r.cooperating, r.gap


def _route_in_town(event_class: EventClass | None, location: Location, on: dt.date) -> Route:
    assert location.town is not None
    if event_class is None:
        return Route(Level.TOWN, "未确定事件类别，由指挥中心分类后分拨")
    matter = event_class.matter
    if matter is None:
        return Route(Level.COUNTY, f"类别 {event_class.code} 未对应职责事项（分拨缺口），由县级指挥中心处理", gap=True)
    answer = responsibility_for(location.town, matter.code, on)
    county = location.town[:6] + "000000"
    coop = [{"id": u.id, "name": u.name, "kind": u.kind} for u in answer.cooperating]
    if answer.gap:
        dept = _county_department(answer.county_department_code, county)
        return Route(Level.COUNTY, f"乡镇对职责事项“{matter.name}”无主体责任单位（分拨缺口），由县级处理",
                     matter.id, matter.code, dept.id if dept else None, dept.name if dept else "", coop, gap=True)
    main = answer.main
    assert main is not None
    county_depts = {u.id for u in (main, *answer.cooperating) if u.kind == UnitKind.COUNTY_DEPARTMENT}
    if main.kind == UnitKind.COUNTY_DEPARTMENT:
        level, reason = Level.COUNTY, f"职责事项“{matter.name}”的主体责任在县级部门{main.name}"
    elif len(county_depts) > 1:
        level, reason = Level.COUNTY, f"职责事项“{matter.name}”需多个县级部门协同"
    elif main.kind in _TOWN_BODY_KINDS and main.division.startswith(location.town[:9]):
        level, reason = Level.TOWN, f"职责事项“{matter.name}”的主体责任在本镇街{main.name}"
    else:
        level, reason = Level.COUNTY, f"职责事项“{matter.name}”的主体责任单位{main.name}不在本镇街"
    return Route(level, reason, matter.id, matter.code, main.id, main.name, coop)


def check_hand_down(*, town: str, event_class: EventClass | None, admission: Any = None, on: dt.date) -> str:
    """下派: may a county (or city) centre hand an event down to `town`? Only for a matter the town
    holds the main responsibility for, or through a task the catalog admitted (`admission_require`).
    Returns the rule that allowed it; raises PlatformError naming the rule otherwise."""
    from catalog.services import admission_require

    matter = event_class.matter if event_class else None
    if matter is not None:
        answer = responsibility_for(town, matter.code, on)
        if answer.main is not None and answer.main.division.startswith(town[:9]):
            return f"乡镇对职责事项“{matter.name}”负主体责任"
    if admission in (None, ""):
        what = f"职责事项“{matter.name}”" if matter else "未对应职责事项的类别"
        raise PlatformError(f"不能下派：乡镇对{what}无主体责任，且未提供经编办批准的交办事项准入（交办事项准入制度）",
                            code="hand_down_refused", fields={"admission": ["缺少交办事项准入"]})
    found = admission_require(town=town, admission=admission, task=event_class.name if event_class else "事件处置",
                              on=on)
    return f"依准入 {found.code} 下派"
