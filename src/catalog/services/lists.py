"""Lists (清单) and responsibilities (职责事项): versions, adoption, Excel import, division of labour."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog import selectors
from catalog.choices import LIST_KIND_OF_ITEM, EntryOp, ListKind, VersionSource
from catalog.models import Item, ItemList, ListVersion, Matter, PowerChange, Responsibility
from catalog.services._common import (
    REFORM,
    _actor_name,
    _as_user,
    _county_of,
    _reason,
    _require_above,
    _require_role,
    _require_scope,
    _require_town,
)
from core import cachegen
from core.errors import Conflict, PlatformError
from core.scoping import code_level
from divisions.models import Division
from org.choices import UnitKind
from org.models import Unit


def _validate_entries(item_list: ItemList, entries: list[dict[str, str]], on: dt.date) -> list[dict[str, str]]:
    """Each entry names a real item of the list's kind; an add lists what is absent, a remove what is present."""
    if not entries:
        raise PlatformError("变更内容为空：请至少列入或移出一个事项", code="empty_version", fields={"entries": ["不能为空"]})
    codes = [e.get("item", "") for e in entries]
    items = {i.code: i for i in Item.objects.filter(code__in=codes)}
    present = set(selectors.list_state(item_list, on).codes)
    seen: set[str] = set()
    errors: list[str] = []
    clean = []
    for n, entry in enumerate(entries, 1):
        code, op = entry.get("item", ""), entry.get("op", "")
        item = items.get(code)
        if op not in EntryOp.values:
            errors.append(f"第 {n} 项：变更方向必须是 add（列入）或 remove（移出）")
        elif item is None:
            errors.append(f"第 {n} 项：事项编码 {code or '（空）'} 不存在")
        elif code in seen:
            errors.append(f"第 {n} 项：事项 {code} 重复")
        elif LIST_KIND_OF_ITEM[item.kind] != item_list.kind:
            errors.append(f"第 {n} 项：{item.name}（{item.get_kind_display()}）不属于{item_list.get_kind_display()}")
        elif op == EntryOp.ADD and code in present:
            errors.append(f"第 {n} 项：{item.name} 在 {on} 已在清单中")
        elif op == EntryOp.REMOVE and code not in present:
            errors.append(f"第 {n} 项：{item.name} 在 {on} 不在清单中，无法移出")
        elif op == EntryOp.ADD and not item.delegable:
            errors.append(f"第 {n} 项：{item.name} 不可赋权乡镇（街道）")
        seen.add(code)
        clean.append({"item": code, "op": op, "reason": (entry.get("reason") or "").strip()})
    if errors:
        raise PlatformError("；".join(errors[:20]), code="invalid_entries", fields={"entries": errors})
    return clean


@_as_user
@transaction.atomic
def list_version_record(*, item_list: ItemList, effective_date: dt.date, entries: list[dict[str, str]],
                        reason: str, source: str = VersionSource.EDIT, change: PowerChange | None = None,
                        user: Any = None, check_role: bool = True) -> ListVersion:
    """Append one version (a delta, effective on `effective_date`) to a list.

    Direct edits are for the reform office above the list's division; procedures (赋权/调整/退还)
    pass `check_role=False` because their review already happened.
    """
    reason = _reason(reason)
    if check_role:
        _require_role(user, REFORM, "修改清单")
        _require_above(user, item_list.division_id, "修改清单")
    ItemList.objects.select_for_update().filter(pk=item_list.pk).first()  # serialise version numbers
    clean = _validate_entries(item_list, entries, effective_date)
    number = (item_list.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return ListVersion.objects.create(item_list=item_list, number=number, effective_date=effective_date,
                                      source=source, reason=reason, entries=clean, change=change,
                                      recorded_by=_actor_name(user))


@_as_user
@transaction.atomic
def item_list_issue(*, county: Division, kind: str, items: Iterable[Item], effective_date: dt.date, reason: str,
                    user: Any = None) -> ItemList:
    """A county issues its uniform list (审批服务清单 / 行政执法清单) chosen from the guidance catalog."""
    if code_level(county.code) != "county":
        raise PlatformError(f"{county.name} 不是县（市、区），不能发布统一清单", code="not_a_county")
    if kind not in ListKind.values:
        raise PlatformError("清单类型有误", fields={"kind": ["须为 approval 或 enforcement"]})
    _require_role(user, REFORM, "发布清单")
    _require_scope(user, county.code, "发布清单")
    if ItemList.objects.filter(division=county, kind=kind).exists():
        raise Conflict(f"{county.name}已有{ListKind(kind).label}，请在原清单上登记新版本", code="list_exists")
    item_list = ItemList.objects.create(division=county, kind=kind)
    entries = [{"item": i.code, "op": EntryOp.ADD, "reason": ""} for i in items]
    list_version_record(item_list=item_list, effective_date=effective_date, entries=entries, reason=reason,
                        source=VersionSource.ISSUE, user=user, check_role=False)
    return item_list


@_as_user
@transaction.atomic
def item_list_adopt(*, town: Division, kind: str, effective_date: dt.date, reason: str,
                    added: Iterable[tuple[Item, str]] = (), withheld: Iterable[tuple[Item, str]] = (),
                    user: Any = None) -> ItemList:
    """A town adopts its county's list, with the differences its review allows (each with a reason)."""
    _require_town(town)
    _require_role(user, REFORM, "承接清单")
    _require_above(user, town.code, "承接清单")
    base = ItemList.objects.filter(division_id=_county_of(town.code), kind=kind).first()
    if base is None:
        raise PlatformError(f"所在县（市、区）尚未发布{ListKind(kind).label}", code="no_county_list")
    if ItemList.objects.filter(division=town, kind=kind).exists():
        raise Conflict(f"{town.name}已承接{ListKind(kind).label}", code="list_exists")
    item_list = ItemList.objects.create(division=town, kind=kind, base=base)
    entries = [{"item": i.code, "op": EntryOp.ADD, "reason": _reason(r, "added", "增加事项的理由")} for i, r in added]
    entries += [{"item": i.code, "op": EntryOp.REMOVE, "reason": _reason(r, "withheld", "暂不承接的理由")}
                for i, r in withheld]
    if entries:
        list_version_record(item_list=item_list, effective_date=effective_date, entries=entries, reason=reason,
                            source=VersionSource.ADOPT, user=user, check_role=False)
    else:
        number = 1
        ListVersion.objects.create(item_list=item_list, number=number, effective_date=effective_date,
                                   source=VersionSource.ADOPT, reason=_reason(reason), entries=[],
                                   recorded_by=_actor_name(user))
    return item_list


@_as_user
@transaction.atomic
def list_import(*, item_list: ItemList, rows: list[dict[str, Any]], effective_date: dt.date, reason: str,
                user: Any = None) -> ListVersion | None:
    """Make the list equal to the imported rows from `effective_date`: one version with the difference.

    Rows come from `catalog.excel.read_list` (already validated row by row). Returns None when the
    file matches the list in force (a round trip changes nothing).
    """
    _require_role(user, REFORM, "导入清单")
    _require_above(user, item_list.division_id, "导入清单")
    state = selectors.list_state(item_list, effective_date)
    present = set(state.codes)
    wanted = [r["code"] for r in rows]
    entries = [{"item": c, "op": EntryOp.ADD, "reason": next((r["note"] for r in rows if r["code"] == c), "")}
               for c in wanted if c not in present]
    entries += [{"item": c, "op": EntryOp.REMOVE, "reason": "导入文件中未列"} for c in sorted(present - set(wanted))]
    if not entries:
        return None
    return list_version_record(item_list=item_list, effective_date=effective_date, entries=entries, reason=reason,
                               source=VersionSource.IMPORT, user=user, check_role=False)


# ---------------------------------------------------------------- responsibilities (职责事项)

def _check_unit_for_town(unit: Unit, town: Division, label: str) -> None:
    ok = unit.division_id == town.code or (
        unit.kind == UnitKind.COUNTY_DEPARTMENT and unit.division_id == _county_of(town.code))
    if not ok:
        raise PlatformError(f"{label}“{unit.name}”既不是本乡镇（街道）的机构，也不是所在县的县级部门",
                            code="unit_outside", fields={label: ["单位不在本乡镇或所在县"]})


@_as_user
@transaction.atomic
def responsibility_set(*, town: Division, matter: Matter, main_unit: Unit | None, cooperating: Iterable[Unit] = (),
                       valid_from: dt.date | None = None, note: str = "", change: PowerChange | None = None,
                       user: Any = None, check_role: bool = True) -> Responsibility:
    """Set who answers for `matter` in `town` from `valid_from` on (closing the interval before it)."""
    _require_town(town)
    if check_role:
        _require_role(user, REFORM, "调整职责分工")
        _require_above(user, town.code, "调整职责分工")
    cooperating = list(cooperating)
    if main_unit is not None:
        _check_unit_for_town(main_unit, town, "main_unit")
    for unit in cooperating:
        _check_unit_for_town(unit, town, "cooperating_units")
    if main_unit is not None and any(u.pk == main_unit.pk for u in cooperating):
        raise PlatformError("主体责任单位不能同时是配合责任单位", code="main_in_cooperating",
                            fields={"cooperating_units": ["不能包含主体责任单位"]})
    valid_from = valid_from or timezone.localdate()
    rows = list(Responsibility.objects.select_for_update().filter(division=town, matter=matter).order_by("valid_from"))
    for row in rows:
        if row.valid_from and row.valid_from >= valid_from:
            raise Conflict(f"{matter.name} 在 {row.valid_from} 已有调整，不能登记更早生效的分工；请先撤销后续调整",
                           code="later_exists")
    for row in rows:
        if row.valid_to is None or row.valid_to > valid_from:
            row.valid_to = valid_from
            row.save(update_fields=["valid_to"])
    new = Responsibility.objects.create(division=town, matter=matter, main_unit=main_unit, valid_from=valid_from,
                                        change=change, note=note[:200])
    if cooperating:
        new.cooperating_units.set(cooperating)
    cachegen.bump(selectors.RESPONSIBILITY_CACHE)
    return new
