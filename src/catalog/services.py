"""Writes for the catalog. Keyword-only, transactional, audited (signals, plus history on the row).

Who may do what (DESIGN.md §6: reference data is never writable from below):
- lists and responsibilities: the reform office (编办) of the county or city that covers them;
- admission: a county department files (dept_handler), the reform office reviews;
- delegation / adjustment: filed by the county (reform office or department);
  return: filed by the town (town command centre or reform office role in the town);
  the item's county department gives its opinion, the county reform office decides.
"""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any, Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog import hooks, selectors
from catalog.choices import (
    LIST_KIND_OF_ITEM, AdmissionState, ChangeKind, ChangeState, EntryOp, ListKind, ReturnReason, ReviewDecision,
    VersionSource,
)
from catalog.models import (
    Admission, Assignment, Item, ItemList, ListVersion, Matter, PowerChange, Responsibility,
)
from core import audit, cachegen
from core.api.permissions import has_role
from core.errors import Conflict, NotAllowed, NotFound, PlatformError
from core.scoping import code_level, scope_for
from divisions.models import Division
from org.choices import UnitKind
from org.models import Unit

REFORM = ("reform_office",)
DEPT = ("dept_handler",)
TOWN_FILERS = ("town_command", "reform_office")
COUNTY_FILERS = ("reform_office", "dept_handler", "county_command")
OPEN_CHANGE_STATES = (ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED, ChangeState.RETURNED, ChangeState.APPROVED)


# ---------------------------------------------------------------- helpers

def _as_user(fn: Any) -> Any:
    """Attribute the service's writes to its `user` (keeping the current source: api, web, import)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = kwargs.get("user")
        if user is None or not getattr(user, "pk", None):
            return fn(*args, **kwargs)
        with audit.acting_as(user, source=audit.current_actor()[2]):
            return fn(*args, **kwargs)
    return wrapper


def _actor_name(user: Any) -> str:
    if user is None:
        return "system"
    return getattr(user, "display_name", "") or user.get_username()


def _step(user: Any, step: str, decision: str = "", reason: str = "", **extra: Any) -> dict[str, Any]:
    row = {"at": timezone.localtime().isoformat(timespec="seconds"), "actor": _actor_name(user),
           "actor_id": getattr(user, "pk", None), "step": step, "decision": decision, "reason": reason}
    row.update({k: v for k, v in extra.items() if v not in (None, "")})
    return row


def _require_role(user: Any, roles: tuple[str, ...], what: str) -> None:
    if user is not None and not has_role(user, roles):
        raise NotAllowed(f"您的角色无权{what}", code="role_required")


def _require_scope(user: Any, code: str, what: str) -> None:
    """The user's subtree must cover `code` (404 outside, like every scoped read)."""
    if user is not None and not scope_for(user).covers(code):
        raise NotFound("对象不存在或不在您的管辖范围内")


def _require_above(user: Any, code: str, what: str) -> None:
    """Reference data is never writable from below: town and village users never write it."""
    if user is None or getattr(user, "is_superuser", False):
        return
    _require_scope(user, code, what)
    if code_level(getattr(user, "division_id", None) or "000000000001") in ("town", "village"):
        raise NotAllowed(f"乡镇（街道）不能直接{what}，请通过赋权、调整或退还程序申报", code="from_below")


def _reason(text: str, field: str = "reason", label: str = "理由") -> str:
    text = (text or "").strip()
    if not text:
        raise PlatformError(f"请填写{label}", code="reason_required", fields={field: [f"请填写{label}"]})
    return text


def county_department_for(dept_code: str, county_code: str) -> Unit | None:
    """The county department (a Unit) with catalog code `dept_code` in a county."""
    return Unit.objects.filter(kind=UnitKind.COUNTY_DEPARTMENT, division_id=county_code,
                               code=f"{county_code[:6]}-{dept_code}").first()


def _county_of(code: str) -> str:
    return code[:6] + "000000"


def _town(town: Division | str) -> Division:
    if isinstance(town, Division):
        return town
    found = Division.objects.filter(code=town).first()
    if found is None:
        raise NotFound(f"区划 {town} 不存在", fields={"division": ["区划不存在"]})
    return found


def _require_town(town: Division) -> None:
    if code_level(town.code) != "town":
        raise PlatformError(f"{town.name} 不是乡镇（街道）", code="not_a_town", fields={"division": ["须为乡镇（街道）"]})


# ---------------------------------------------------------------- lists (清单)

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


# ---------------------------------------------------------------- admission (交办事项准入)

def _next_admission_code(county_code: str) -> str:
    year = timezone.localdate().year
    prefix = f"ZR{county_code[:6]}-{year}-"
    last = Admission.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


@_as_user
@transaction.atomic
def admission_file(*, department: Unit, title: str, legal_basis: str, description: str = "", staff: int = 0,
                   funds: Decimal | int = 0, systems: str = "", towns: Iterable[Division] = (),
                   valid_until: dt.date | None = None, user: Any = None) -> Admission:
    """A county department files a request to hand a new task to towns."""
    _require_role(user, DEPT + REFORM, "申请交办事项准入")
    if department.kind != UnitKind.COUNTY_DEPARTMENT:
        raise PlatformError("申请部门必须是县级部门", code="not_a_department", fields={"department": ["须为县级部门"]})
    county = department.division_id
    _require_scope(user, county, "申请准入")
    if user is not None and not user.is_superuser and getattr(user, "unit_id", None) and has_role(user, DEPT) \
            and not has_role(user, REFORM) and user.unit_id != department.pk:
        raise NotAllowed("只能以本部门名义申请准入", code="other_department")
    title = _reason(title, "title", "交办任务名称")
    legal_basis = _reason(legal_basis, "legal_basis", "法律政策依据")
    towns = list(towns)
    for town in towns:
        if not town.code.startswith(county[:6]) or code_level(town.code) != "town":
            raise PlatformError(f"{town.name} 不是本县的乡镇（街道）", code="town_outside", fields={"towns": ["须为本县乡镇"]})
    if staff < 0 or Decimal(funds) < 0:
        raise PlatformError("随交人员和经费不能为负数", fields={"staff": ["不能为负"], "funds": ["不能为负"]})
    admission = Admission.objects.create(
        division_id=county, code=_next_admission_code(county), department=department, title=title,
        description=description, legal_basis=legal_basis, staff=staff, funds=funds, systems=systems,
        valid_until=valid_until, filed_by=user if getattr(user, "pk", None) else None,
        history=[_step(user, "file", reason=title)],
    )
    if towns:
        admission.towns.set(towns)
    return admission


@_as_user
@transaction.atomic
def admission_review(*, admission: Admission, decision: str, reason: str, user: Any = None) -> Admission:
    """The reform office approves, rejects or returns a request for changes, always with reasons."""
    _require_role(user, REFORM, "审核准入申请")
    _require_scope(user, admission.division_id, "审核准入申请")
    if decision not in ReviewDecision.values:
        raise PlatformError("审核结论须为 approve（同意）、reject（不同意）或 return（退回修改）",
                            fields={"decision": ["取值有误"]})
    reason = _reason(reason, "reason", "审核意见")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.state != AdmissionState.SUBMITTED:
        raise Conflict(f"准入申请 {admission.code} 当前状态为“{admission.get_state_display()}”，不能审核",
                       code="bad_state")
    admission.state = {ReviewDecision.APPROVE: AdmissionState.APPROVED, ReviewDecision.REJECT: AdmissionState.REJECTED,
                       ReviewDecision.RETURN: AdmissionState.RETURNED}[decision]
    admission.history = [*admission.history, _step(user, "review", decision, reason)]
    admission.save()
    return admission


@_as_user
@transaction.atomic
def admission_resubmit(*, admission: Admission, user: Any = None, reason: str = "", **changes: Any) -> Admission:
    """The department answers a return for changes and submits again."""
    _require_role(user, DEPT + REFORM, "修改准入申请")
    _require_scope(user, admission.division_id, "修改准入申请")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.state != AdmissionState.RETURNED:
        raise Conflict("只有被退回修改的申请才能重新提交", code="bad_state")
    for field in ("title", "description", "legal_basis", "staff", "funds", "systems", "valid_until"):
        if field in changes and changes[field] is not None:
            setattr(admission, field, changes[field])
    admission.state = AdmissionState.SUBMITTED
    admission.history = [*admission.history, _step(user, "resubmit", reason=_reason(reason, "reason", "修改说明"))]
    admission.save()
    return admission


@_as_user
@transaction.atomic
def admission_withdraw(*, admission: Admission, reason: str, user: Any = None) -> Admission:
    _require_role(user, DEPT + REFORM, "撤回准入申请")
    _require_scope(user, admission.division_id, "撤回准入申请")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.state not in (AdmissionState.SUBMITTED, AdmissionState.RETURNED):
        raise Conflict(f"当前状态“{admission.get_state_display()}”不能撤回", code="bad_state")
    admission.state = AdmissionState.WITHDRAWN
    admission.history = [*admission.history, _step(user, "withdraw", reason=_reason(reason))]
    admission.save()
    return admission


def admission_require(*, town: Division | str, admission: Admission | str | None, task: str = "",
                      on: dt.date | None = None) -> Admission:
    """THE gate: may this task be handed to this town? Returns the admission or refuses.

    Every place in the platform that hands work from a county department to a town must call
    this. It refuses a task without an approved admission, naming the admission that is
    missing (or the one that is not approved, expired, or does not cover the town).
    """
    town = _town(town)
    on = on or timezone.localdate()
    label = f"“{task}”" if task else "该任务"
    if admission is None or admission == "":
        raise PlatformError(
            f"交办任务{label}未经交办事项准入：缺少编办批准的准入（请县级部门先在“交办事项准入”中申请）",
            code="admission_missing", fields={"admission": ["缺少交办事项准入"]})
    if isinstance(admission, str):
        code = admission
        admission = Admission.objects.filter(code=code).first()
        if admission is None:
            raise PlatformError(f"交办任务{label}未经准入：准入编号 {code} 不存在", code="admission_missing",
                                fields={"admission": [f"准入 {code} 不存在"]})
    else:
        admission = Admission.objects.get(pk=admission.pk)  # the gate reads the state as stored, never a stale copy
    name = f"准入 {admission.code}“{admission.title}”"
    if admission.state != AdmissionState.APPROVED:
        raise PlatformError(f"交办任务{label}未经准入：{name} 状态为“{admission.get_state_display()}”，尚未获编办批准",
                            code="admission_not_approved", fields={"admission": [f"{admission.code} 未批准"]})
    if admission.valid_until and on > admission.valid_until:
        raise PlatformError(f"交办任务{label}未经准入：{name} 已于 {admission.valid_until} 到期", code="admission_expired",
                            fields={"admission": [f"{admission.code} 已到期"]})
    if not town.code.startswith(admission.division_id[:6]):
        raise PlatformError(f"交办任务{label}未经准入：{name} 属于其他县（市、区），不适用于{town.name}",
                            code="admission_other_county", fields={"admission": ["准入不适用于该乡镇"]})
    targets = list(admission.towns.values_list("code", flat=True))
    if targets and town.code not in targets:
        raise PlatformError(f"交办任务{label}未经准入：{name} 的承接乡镇不包括{town.name}", code="admission_not_for_town",
                            fields={"admission": ["准入不包括该乡镇"]})
    return admission


@_as_user
@transaction.atomic
def assignment_create(*, town: Division, admission: Admission | str | None, title: str, detail: str = "",
                      due_date: dt.date | None = None, user: Any = None) -> Assignment:
    """Hand a task to a town (交办). Refused unless admitted (admission_require)."""
    _require_town(town)
    _require_role(user, DEPT + REFORM + ("county_command",), "向乡镇交办任务")
    _require_scope(user, town.code, "向乡镇交办任务")
    title = _reason(title, "title", "交办内容")
    found = admission_require(town=town, admission=admission, task=title)
    return Assignment.objects.create(division=town, admission=found, department=found.department, title=title,
                                     detail=detail, due_date=due_date)


# ---------------------------------------------------------------- delegation / adjustment / return

def _open_change(town: Division, item: Item) -> PowerChange | None:
    return PowerChange.objects.filter(division=town, item=item, state__in=OPEN_CHANGE_STATES[:3]).first()


@_as_user
@transaction.atomic
def change_file(*, kind: str, town: Division, item: Item, reason: str, effective_date: dt.date,
                op: str | None = None, reason_category: str = "", evidence: str = "", legal_reviewer: str = "",
                legal_opinion: str = "", legal_review_date: dt.date | None = None, handover_plan: str = "",
                user: Any = None) -> PowerChange:
    """File a delegation (赋权), adjustment (调整) or return (退还) of one item for one town."""
    _require_town(town)
    if kind not in ChangeKind.values:
        raise PlatformError("程序类型须为 delegation、adjustment 或 return", fields={"kind": ["取值有误"]})
    _require_scope(user, town.code, "申报")
    if kind == ChangeKind.RETURN:
        _require_role(user, TOWN_FILERS, "申报退还")
        op = EntryOp.REMOVE
        given = {"reason_category": reason_category, "evidence": evidence, "legal_reviewer": legal_reviewer,
                 "legal_opinion": legal_opinion, "handover_plan": handover_plan}
        labels = {"reason_category": "退还原因类别", "evidence": "佐证材料", "legal_reviewer": "合法性审查人",
                  "legal_opinion": "合法性审查意见", "handover_plan": "在办事项移交方案"}
        missing = {f: labels[f] for f, v in given.items() if not (v or "").strip()}
        if legal_review_date is None:
            missing["legal_review_date"] = "合法性审查日期"
        if missing:
            raise PlatformError("退还申报缺少：" + "、".join(missing.values()), code="incomplete",
                                fields={f: [f"请填写{label}"] for f, label in missing.items()})
        if reason_category not in ReturnReason.values:
            raise PlatformError("退还原因类别有误", fields={"reason_category": [f"须为 {'、'.join(ReturnReason.values)} 之一"]})
    else:
        _require_role(user, COUNTY_FILERS, "申报赋权或调整")
        if user is not None and not user.is_superuser and code_level(user.division_id or "") in ("town", "village"):
            raise NotAllowed("赋权和调整由县级部门或编办申报；乡镇（街道）请申报退还", code="from_below")
        op = EntryOp.ADD if kind == ChangeKind.DELEGATION else op
        if op not in EntryOp.values:
            raise PlatformError("调整须说明方向：add（列入）或 remove（移出）", fields={"op": ["取值有误"]})
    reason = _reason(reason)
    today = timezone.localdate()
    if effective_date < today:
        raise PlatformError("生效日期不能早于今天", code="past_date", fields={"effective_date": ["不能早于今天"]})
    if op == EntryOp.ADD and not item.delegable:
        raise PlatformError(f"{item.name} 不可赋权乡镇（街道）", code="not_delegable", fields={"item": ["不可赋权"]})
    on_list = selectors.item_on_town_list(town.code, item, effective_date)
    if op == EntryOp.ADD and on_list:
        raise PlatformError(f"{item.name} 在 {effective_date} 已在{town.name}清单中", code="already_listed",
                            fields={"item": ["已在清单中"]})
    if op == EntryOp.REMOVE and not on_list:
        raise PlatformError(f"{item.name} 在 {effective_date} 不在{town.name}清单中", code="not_listed",
                            fields={"item": ["不在清单中"]})
    if selectors.town_list_of(town.code, item.list_kind) is None:
        raise PlatformError(f"{town.name}尚未承接{ListKind(item.list_kind).label}", code="no_town_list")
    existing = _open_change(town, item)
    if existing is not None:
        raise Conflict(f"{town.name}的“{item.name}”已有在办程序（{existing.get_kind_display()}，"
                       f"{existing.get_state_display()}）", code="change_open")
    department = county_department_for(item.department_code, _county_of(town.code))
    return PowerChange.objects.create(
        division=town, kind=kind, op=op, item=item, department=department, reason_category=reason_category or "",
        reason=reason, evidence=evidence, legal_reviewer=legal_reviewer, legal_opinion=legal_opinion,
        legal_review_date=legal_review_date, effective_date=effective_date, handover_plan=handover_plan,
        open_work=hooks.open_work(item.code, town.code) if op == EntryOp.REMOVE else [],
        filed_by=user if getattr(user, "pk", None) else None,
        history=[_step(user, "file", reason=reason)],
    )


def _locked(change: PowerChange) -> PowerChange:
    return PowerChange.objects.select_for_update(of=("self",)).select_related("item", "division", "department").get(pk=change.pk)


@_as_user
@transaction.atomic
def change_department_opinion(*, change: PowerChange, agree: bool, opinion: str, user: Any = None) -> PowerChange:
    """The item's county department gives its opinion (it takes the item back, or lets it go)."""
    _require_role(user, DEPT + REFORM, "出具部门意见")
    change = _locked(change)
    _require_above(user, change.division_id, "出具部门意见")
    if user is not None and not user.is_superuser and not has_role(user, REFORM) and change.department_id \
            and getattr(user, "unit_id", None) and user.unit_id != change.department_id:
        raise NotAllowed(f"应由{change.department.name}出具意见", code="other_department")
    if change.state != ChangeState.SUBMITTED:
        raise Conflict(f"当前状态“{change.get_state_display()}”不能出具部门意见", code="bad_state")
    change.state = ChangeState.DEPT_REVIEWED
    change.history = [*change.history, _step(user, "department", "agree" if agree else "disagree",
                                             _reason(opinion, "opinion", "部门意见"))]
    change.save()
    return change


@_as_user
@transaction.atomic
def change_decide(*, change: PowerChange, decision: str, reason: str, user: Any = None) -> PowerChange:
    """The county reform office approves, rejects or returns for changes. Approval writes the list
    version and the responsibility intervals, both dated the effective date."""
    _require_role(user, REFORM, "审批")
    change = _locked(change)
    _require_above(user, change.division_id, "审批")
    if decision not in ReviewDecision.values:
        raise PlatformError("审批结论须为 approve、reject 或 return", fields={"decision": ["取值有误"]})
    reason = _reason(reason, "reason", "审批意见")
    if change.state != ChangeState.DEPT_REVIEWED:
        raise Conflict(f"当前状态“{change.get_state_display()}”不能审批（须先有部门意见）", code="bad_state")
    step = _step(user, "decide", decision, reason)
    if decision == ReviewDecision.APPROVE:
        if change.effective_date < timezone.localdate():
            raise PlatformError("生效日期已过，请退回申报单位修改生效日期", code="past_date",
                                fields={"effective_date": ["已过期"]})
        _apply(change, user)
        change.state = ChangeState.APPROVED
    elif decision == ReviewDecision.REJECT:
        change.state = ChangeState.REJECTED
    else:
        change.state = ChangeState.RETURNED
    change.history = [*change.history, step]
    change.save()
    if change.state == ChangeState.APPROVED:
        changes_apply_due(today=timezone.localdate())
    return change


def _apply(change: PowerChange, user: Any) -> None:
    """Approved: the list version and the new responsibility intervals, effective on the date."""
    item, town = change.item, change.division
    item_list = selectors.town_list_of(town.code, item.list_kind)
    if item_list is None:
        raise PlatformError(f"{town.name}尚未承接清单", code="no_town_list")
    list_version_record(item_list=item_list, effective_date=change.effective_date,
                        entries=[{"item": item.code, "op": change.op, "reason": change.reason}],
                        reason=f"{change.get_kind_display()}：{change.reason}", source=change.kind, change=change,
                        user=user, check_role=False)
    department = change.department or county_department_for(item.department_code, _county_of(town.code))
    for matter in Matter.objects.filter(item=item):
        current = selectors.responsibilities_in_force(
            Responsibility.objects.filter(division=town, matter=matter), change.effective_date
        ).prefetch_related("cooperating_units").first()
        town_body = _town_body(town, matter)
        if change.op == EntryOp.REMOVE:
            main = department
            coop = [u for u in ([current.main_unit] if current and current.main_unit else [])
                    if u.kind != UnitKind.COUNTY_DEPARTMENT]
        else:
            main = town_body or (current.main_unit if current else None)
            coop = [department] if department else []
        coop = [u for u in coop if main is None or u.pk != main.pk]
        responsibility_set(town=town, matter=matter, main_unit=main, cooperating=coop,
                           valid_from=change.effective_date, change=change,
                           note=f"{change.get_kind_display()}（{change.effective_date} 起）", user=user, check_role=False)


def _town_body(town: Division, matter: Matter) -> Unit | None:
    if not matter.town_body:
        return None
    return Unit.objects.filter(division=town, name=matter.town_body).first()


@_as_user
@transaction.atomic
def change_resubmit(*, change: PowerChange, reason: str, user: Any = None, **fields: Any) -> PowerChange:
    """The filer answers a return for changes (e.g. a later effective date, a fuller hand-over plan)."""
    _require_scope(user, change.division_id, "修改申报")
    change = _locked(change)
    roles = TOWN_FILERS if change.kind == ChangeKind.RETURN else COUNTY_FILERS
    _require_role(user, roles, "修改申报")
    if change.state != ChangeState.RETURNED:
        raise Conflict("只有被退回修改的申报才能重新提交", code="bad_state")
    for name in ("reason", "evidence", "legal_reviewer", "legal_opinion", "legal_review_date", "effective_date",
                 "handover_plan", "reason_category"):
        if fields.get(name) not in (None, ""):
            setattr(change, name, fields[name])
    if change.effective_date < timezone.localdate():
        raise PlatformError("生效日期不能早于今天", code="past_date", fields={"effective_date": ["不能早于今天"]})
    if change.op == EntryOp.REMOVE:
        change.open_work = hooks.open_work(change.item.code, change.division_id)
    change.state = ChangeState.SUBMITTED
    change.history = [*change.history, _step(user, "resubmit", reason=_reason(reason, "reason", "修改说明"))]
    change.save()
    return change


@_as_user
@transaction.atomic
def change_withdraw(*, change: PowerChange, reason: str, user: Any = None) -> PowerChange:
    _require_scope(user, change.division_id, "撤回申报")
    change = _locked(change)
    if change.state not in (ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED, ChangeState.RETURNED):
        raise Conflict(f"当前状态“{change.get_state_display()}”不能撤回", code="bad_state")
    change.state = ChangeState.WITHDRAWN
    change.history = [*change.history, _step(user, "withdraw", reason=_reason(reason))]
    change.save()
    return change


@transaction.atomic
def changes_apply_due(*, today: dt.date | None = None) -> int:
    """Mark approved changes whose effective date has come as in force (the daily sweep; idempotent).

    The list and the responsibility answer already change on the date by themselves (they are
    dated); this records the step in each procedure's history and bumps the cache generation.
    """
    today = today or timezone.localdate()
    due = list(PowerChange.objects.select_for_update().filter(state=ChangeState.APPROVED, effective_date__lte=today))
    for change in due:
        change.state = ChangeState.IN_FORCE
        change.history = [*change.history, _step(None, "in_force", reason=f"{change.effective_date} 起生效")]
        change.save()
    if due:
        cachegen.bump(selectors.RESPONSIBILITY_CACHE)
    return len(due)


def open_work_for(change: PowerChange) -> list[dict]:
    """The open work on the item in the town, now (listed again at every look)."""
    return hooks.open_work(change.item.code, change.division_id)
