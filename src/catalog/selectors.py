"""Reads for the catalog: the list in force on a date, the responsibility answer, the gap report.

The responsibility answer is on the hot path (every event is routed through it), so it is
served from an in-process cache of dated intervals, one town at a time, invalidated across
processes by `core.cachegen` generation "catalog.responsibility". Because the cache holds
intervals, a return that takes effect next month changes the answer on that day without any
write or invalidation.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from catalog.choices import AdmissionState, ChangeKind, ChangeState, EntryOp
from catalog.models import Admission, Item, ItemList, ListVersion, Matter, PowerChange, Responsibility
from core import cachegen
from core.errors import NotFound, PlatformError
from core.filters import require_division_code
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from core.worklist import Figure, Source, WorkItem, is_due_soon, is_overdue

RESPONSIBILITY_CACHE = "catalog.responsibility"


# ---------------------------------------------------------------- lists (清单)

def _ordered_versions(versions: Iterable[ListVersion], on: dt.date) -> list[ListVersion]:
    """Versions effective on or before `on`, in the order they apply (date, then recording)."""
    chosen = [v for v in versions if v.effective_date <= on]
    chosen.sort(key=lambda v: (v.effective_date, v.recorded_at, v.pk))
    return chosen


def _replay(versions: list[ListVersion]) -> dict[str, tuple[str, ListVersion, str]]:
    """item code → (last op, the version that set it, its reason)."""
    state: dict[str, tuple[str, ListVersion, str]] = {}
    for version in versions:
        for entry in version.entries:
            state[entry["item"]] = (entry["op"], version, entry.get("reason", ""))
    return state


def _versions_of(item_list: ItemList) -> list[ListVersion]:
    cached = getattr(item_list, "_prefetched_objects_cache", {}).get("versions")
    if cached is not None:
        return list(cached)
    return list(item_list.versions.all())


@dataclass
class ListEntry:
    item: Item
    origin: str            # "county": from the county list; "town": added by the town
    version: ListVersion   # the version that put it there
    reason: str = ""


@dataclass
class ListState:
    item_list: ItemList
    as_of: dt.date
    entries: list[ListEntry]
    withheld: list[ListEntry] = field(default_factory=list)  # county items the town does not take
    version: ListVersion | None = None        # this list's latest version in force
    base_version: ListVersion | None = None   # the county list's latest version in force

    @property
    def added(self) -> list[ListEntry]:
        return [e for e in self.entries if e.origin == "town"]

    @property
    def codes(self) -> list[str]:
        return [e.item.code for e in self.entries]


def _codes_in_force(item_list: ItemList, on: dt.date) -> tuple[dict[str, tuple[str, ListVersion, str]],
                                                                list[ListVersion]]:
    versions = _ordered_versions(_versions_of(item_list), on)
    return _replay(versions), versions


def list_state(item_list: ItemList, on: dt.date | None = None, items: dict[str, Item] | None = None) -> ListState:
    """The list exactly as in force on `on` (any past or future date).

    A county list is the replay of its versions. A town list is its county list on that date,
    plus the items the town added, minus the items it withheld (each the town's last word on
    that item on or before the date). `items` (code → Item), when given, is a cache shared by
    calls over many lists: only codes missing from it are read, and it is filled with them.
    """
    on = on or timezone.localdate()
    own, own_versions = _codes_in_force(item_list, on)
    included: dict[str, tuple[str, ListVersion, str]] = {}
    withheld: dict[str, tuple[str, ListVersion, str]] = {}
    base_version = None
    if item_list.base is not None:
        base, base_versions = _codes_in_force(item_list.base, on)
        base_version = base_versions[-1] if base_versions else None
        for code, (op, version, reason) in base.items():
            if op == EntryOp.ADD:
                included[code] = ("county", version, reason)
        for code, (op, version, reason) in own.items():
            if op == EntryOp.ADD:
                if code not in included:
                    included[code] = ("town", version, reason)
            else:
                if code in included:
                    withheld[code] = ("town", version, reason)
                included.pop(code, None)
    else:
        for code, (op, version, reason) in own.items():
            if op == EntryOp.ADD:
                included[code] = ("county", version, reason)
    items = {} if items is None else items
    missing = [c for c in (*included, *withheld) if c not in items]
    if missing:
        items.update({i.code: i for i in Item.objects.filter(code__in=missing)})
    entries = [ListEntry(items[c], *included[c]) for c in sorted(included) if c in items]
    held = [ListEntry(items[c], *withheld[c]) for c in sorted(withheld) if c in items]
    return ListState(item_list, on, entries, held, own_versions[-1] if own_versions else None, base_version)


def lists_for_division(code: str) -> QuerySet[ItemList]:
    return ItemList.objects.filter(division_id=code).select_related("division", "base", "base__division")


def town_list_of(town_code: str, kind: str) -> ItemList | None:
    return ItemList.objects.filter(division_id=town_code, kind=kind).select_related("base").first()


def item_on_town_list(town_code: str, item: Item, on: dt.date) -> bool:
    item_list = town_list_of(town_code, item.list_kind)
    return item_list is not None and item.code in list_state(item_list, on).codes


def version_history(item_list: ItemList) -> QuerySet[ListVersion]:
    return item_list.versions.select_related("change").order_by("-effective_date", "-recorded_at", "-id")


# ---------------------------------------------------------------- responsibility (主体/配合责任)

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


def admission_towns_seen_by(admission: Any, user: Any) -> tuple[list[Any], bool]:
    """The towns an admission covers as `user` may read them, and whether it covers the whole county.

    An admission lists its towns, or none for "every town of the county". A town reading its
    county's admission sees only the listed towns in its own scope: another town is neither
    named nor counted, and an admission for other towns only does not read as one for all.
    """
    listed = admission.towns.through.objects.filter(admission_id=admission.pk)
    seen = list(admission.towns.visible_to(user).order_by("code"))
    return seen, not listed.exists()


# ---------------------------------------------------------------- to-do (core.worklist) and home figures

ADMISSION_KIND = "catalog.admission"
CHANGE_KIND = "catalog.change"


def _above_town(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or \
        code_level(getattr(user, "division_id", None) or "000000000001") not in ("town", "village")


def todo_admissions(user: Any) -> QuerySet[Admission]:
    """Admissions waiting for `user`: to review (the reform office of the county, 待审核), or
    returned for changes to the filing department (退回修改, a department handler of that unit)."""
    cond = Q(pk__in=[])
    if has_role(user, Role.REFORM_OFFICE) and _above_town(user):
        cond |= Q(state=AdmissionState.SUBMITTED)
    if has_role(user, Role.DEPT_HANDLER) and getattr(user, "unit_id", None):
        cond |= Q(state=AdmissionState.RETURNED, department_id=user.unit_id)
    return (Admission.objects.writable_by(user).filter(cond).select_related("department", "division")
            .annotate(todo_due=Value(None, output_field=DateTimeField())))


def todo_admissions_subtree(user: Any) -> QuerySet[Admission]:
    return (Admission.objects.writable_by(user)
            .filter(state__in=[AdmissionState.SUBMITTED, AdmissionState.RETURNED])
            .select_related("department", "division").annotate(todo_due=Value(None, output_field=DateTimeField())))


def todo_admission_item(a: Admission) -> WorkItem:
    action = "审核准入申请" if a.state == AdmissionState.SUBMITTED else "修改后重新提交"
    return WorkItem(kind=ADMISSION_KIND, ref=str(a.pk), title=f"{a.code} {a.title}", action=action,
                    url=reverse("catalog:admission", args=[a.pk]), due_at=None, division=a.division_id,
                    detail=f"{a.department.name} · {a.created_at.astimezone(timezone.get_current_timezone()):%Y-%m-%d}")


def _people_with(role: str, division_code: str) -> list[Any]:
    from accounts.models import User

    return [u for u in User.objects.filter(division_id=division_code, is_active=True) if has_role(u, role)]


def todo_admission_recipients(a: Admission) -> list[Any]:
    if a.state == AdmissionState.SUBMITTED:
        return _people_with(Role.REFORM_OFFICE, a.division_id)
    return [a.department]


def _change_due() -> Any:
    """A procedure must be decided before its effective date (an approval after it is refused)."""
    return Cast(F("effective_date"), DateTimeField())


def todo_changes(user: Any) -> QuerySet[PowerChange]:
    """Procedures waiting for `user`: the department's opinion (the item's county department, or
    the reform office when no department is named), the reform office's decision, or a
    resubmission by whoever filed a returned one. Due: the effective date."""
    cond = Q(state=ChangeState.RETURNED, filed_by_id=getattr(user, "pk", None))
    if _above_town(user):
        if has_role(user, Role.REFORM_OFFICE):
            cond |= Q(state=ChangeState.DEPT_REVIEWED) | Q(state=ChangeState.SUBMITTED, department__isnull=True)
        if has_role(user, Role.DEPT_HANDLER) and getattr(user, "unit_id", None):
            cond |= Q(state=ChangeState.SUBMITTED, department_id=user.unit_id)
    return (PowerChange.objects.writable_by(user).filter(cond).select_related("item", "division", "department")
            .annotate(todo_due=_change_due()))


def todo_changes_subtree(user: Any) -> QuerySet[PowerChange]:
    return (PowerChange.objects.writable_by(user)
            .filter(state__in=[ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED, ChangeState.RETURNED])
            .select_related("item", "division", "department").annotate(todo_due=_change_due()))


CHANGE_ACTION = {ChangeState.SUBMITTED: "出具部门意见", ChangeState.DEPT_REVIEWED: "编办审批",
                 ChangeState.RETURNED: "修改后重新提交"}


def todo_change_item(c: PowerChange) -> WorkItem:
    due = dt.datetime.combine(c.effective_date, dt.time.min, timezone.get_current_timezone())
    return WorkItem(kind=CHANGE_KIND, ref=str(c.pk), title=f"{c.get_kind_display()}·{c.item.name}",
                    action=CHANGE_ACTION.get(ChangeState(c.state), c.get_state_display()),
                    url=reverse("catalog:change", args=[c.pk]), due_at=due, division=c.division_id,
                    overdue=is_overdue(due), warning=is_due_soon(due),
                    detail=f"{c.division.name} · 生效日期 {c.effective_date:%Y-%m-%d}")


def todo_change_recipients(c: PowerChange) -> list[Any]:
    county = c.division_id[:6] + "000000"
    if c.state == ChangeState.SUBMITTED and c.department is not None:
        return [c.department]
    if c.state in (ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED):
        return _people_with(Role.REFORM_OFFICE, county)
    return [c.filed_by] if c.filed_by is not None else []


def home_figures(user: Any) -> list[Figure]:
    """Reform office: admissions, returns, delegations and adjustments waiting for review; a
    department: opinions and returned admissions; a town centre: its procedures returned to it.
    Counted on the list pages' own querysets, so each figure equals the rows behind its link."""
    out: list[Figure] = []
    admissions = reverse("catalog:admissions")
    changes = reverse("catalog:changes")
    if has_role(user, Role.REFORM_OFFICE) and _above_town(user):
        out.append(Figure("catalog.admissions", "待审核准入申请",
                          Admission.objects.visible_to(user).filter(state=AdmissionState.SUBMITTED).count(),
                          f"{admissions}?state=submitted", "清单与准入"))
        waiting = PowerChange.objects.visible_to(user).filter(state=ChangeState.DEPT_REVIEWED)
        for kind, label in ((ChangeKind.RETURN, "待审批退还"), (ChangeKind.DELEGATION, "待审批赋权"),
                            (ChangeKind.ADJUSTMENT, "待审批调整")):
            out.append(Figure(f"catalog.{kind}", label, waiting.filter(kind=kind).count(),
                              f"{changes}?{urlencode({'kind': kind, 'state': ChangeState.DEPT_REVIEWED})}",
                              "清单与准入"))
    unit = getattr(user, "unit_id", None)
    if has_role(user, Role.DEPT_HANDLER) and unit and _above_town(user):
        out.append(Figure("catalog.opinions", "待出具部门意见",
                          PowerChange.objects.visible_to(user).filter(state=ChangeState.SUBMITTED,
                                                                      department_id=unit).count(),
                          f"{changes}?{urlencode({'state': ChangeState.SUBMITTED, 'department': unit})}",
                          "清单与准入"))
        out.append(Figure("catalog.returned_admissions", "退回修改的准入申请",
                          Admission.objects.visible_to(user).filter(state=AdmissionState.RETURNED,
                                                                    department_id=unit).count(),
                          f"{admissions}?{urlencode({'state': AdmissionState.RETURNED, 'department': unit})}",
                          "清单与准入"))
    if has_role(user, Role.TOWN_COMMAND) and not _above_town(user):
        out.append(Figure("catalog.town_changes", "退回修改的程序",
                          PowerChange.objects.visible_to(user).filter(state=ChangeState.RETURNED).count(),
                          f"{changes}?state={ChangeState.RETURNED}", "清单与准入"))
    return out


def todo_sources() -> list[Source]:
    return [Source(kind=ADMISSION_KIND, label="准入审核", mine=todo_admissions, item=todo_admission_item,
                   subtree=todo_admissions_subtree, recipients=todo_admission_recipients,
                   roles=(Role.REFORM_OFFICE,)),
            Source(kind=CHANGE_KIND, label="赋权调整退还", mine=todo_changes, item=todo_change_item,
                   subtree=todo_changes_subtree, recipients=todo_change_recipients,
                   roles=(Role.REFORM_OFFICE,))]
