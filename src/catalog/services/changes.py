"""Delegation, adjustment and return (赋权/调整/退还): the reviewed procedures and their effect."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog import hooks, selectors
from catalog.choices import ChangeKind, ChangeState, EntryOp, ListKind, ReturnReason, ReviewDecision
from catalog.models import Item, Matter, PowerChange, Responsibility
from catalog.services._common import (
    COUNTY_FILERS,
    DEPT,
    OPEN_CHANGE_STATES,
    REFORM,
    TOWN_FILERS,
    _as_user,
    _county_of,
    _reason,
    _require_above,
    _require_role,
    _require_scope,
    _require_town,
    _step,
    county_department_for,
)
from catalog.services.evidence import evidence_attach, evidence_check
from catalog.services.lists import list_version_record, responsibility_set
from core import cachegen
from core.errors import Conflict, NotAllowed, PlatformError
from core.roles import has_role
from core.scoping import code_level
from divisions.models import Division
from org.choices import UnitKind
from org.models import Unit
from org.selectors import unit_named


def _open_change(town: Division, item: Item) -> PowerChange | None:
    return PowerChange.objects.filter(division=town, item=item, state__in=OPEN_CHANGE_STATES[:3]).first()


@_as_user
@transaction.atomic
def change_file(*, kind: str, town: Division, item: Item, reason: str, effective_date: dt.date,
                op: str | None = None, reason_category: str = "", evidence: str = "", legal_reviewer: str = "",
                legal_opinion: str = "", legal_review_date: dt.date | None = None, handover_plan: str = "",
                evidence_files: Iterable[Any] = (), user: Any = None) -> PowerChange:
    """File a delegation (赋权), adjustment (调整) or return (退还) of one item for one town.

    A return must carry the reason category, supporting documents as uploaded files
    (`evidence_files`: file objects with `name` and `read()`; `evidence` is their optional
    description), the legal review (reviewer, opinion, date), an effective date and a hand-over
    plan; a missing one is named in `fields`. The files are stored after commit
    (`services.evidence`).
    """
    _require_town(town)
    documents = evidence_check(evidence_files)
    if kind not in ChangeKind.values:
        raise PlatformError("程序类型须为 delegation、adjustment 或 return", fields={"kind": ["取值有误"]})
    _require_scope(user, town.code, "申报")
    if kind == ChangeKind.RETURN:
        _require_role(user, TOWN_FILERS, "申报退还")
        op = EntryOp.REMOVE
        given = {"reason_category": reason_category, "legal_reviewer": legal_reviewer,
                 "legal_opinion": legal_opinion, "handover_plan": handover_plan}
        labels = {"reason_category": "退还原因类别", "evidence_files": "佐证材料（文件）", "legal_reviewer": "合法性审查人",
                  "legal_opinion": "合法性审查意见", "legal_review_date": "合法性审查日期",
                  "handover_plan": "在办事项移交方案"}
        missing = {f: labels[f] for f, v in given.items() if not (v or "").strip()}
        if not documents:
            missing["evidence_files"] = labels["evidence_files"]
        if legal_review_date is None:
            missing["legal_review_date"] = labels["legal_review_date"]
        if missing:
            missing = {f: missing[f] for f in labels if f in missing}
            raise PlatformError("退还申报缺少：" + "、".join(missing.values()), code="incomplete",
                                fields={f: ["请上传佐证材料文件" if f == "evidence_files" else f"请填写{label}"]
                                        for f, label in missing.items()})
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
    change = PowerChange.objects.create(
        division=town, kind=kind, op=op, item=item, department=department, reason_category=reason_category or "",
        reason=reason, evidence=evidence, legal_reviewer=legal_reviewer, legal_opinion=legal_opinion,
        legal_review_date=legal_review_date, effective_date=effective_date, handover_plan=handover_plan,
        open_work=hooks.open_work(item.code, town.code) if op == EntryOp.REMOVE else [],
        filed_by=user if getattr(user, "pk", None) else None,
        history=[_step(user, "file", reason=reason)],
    )
    evidence_attach(change=change, files=documents, user=user)
    return change


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
        raise NotAllowed(f"应由{change.department.name if change.department else '县级主管部门'}出具意见",
                         code="other_department")
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
    return unit_named(town.code, matter.town_body)


@_as_user
@transaction.atomic
def change_resubmit(*, change: PowerChange, reason: str, evidence_files: Iterable[Any] = (), user: Any = None,
                    **fields: Any) -> PowerChange:
    """The filer answers a return for changes (e.g. a later effective date, a fuller hand-over plan,
    more supporting documents in `evidence_files`)."""
    _require_scope(user, change.division_id, "修改申报")
    documents = evidence_check(evidence_files)
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
    evidence_attach(change=change, files=documents, user=user)
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
