"""Reads: maps in force, lane mappings, who may act, a user's tasks."""
from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core import cachegen
from core.roles import Role
from core.scoping import code_level
from core.text import normalize_key
from core.worklist import Figure, Source, WorkItem, is_due_soon, is_overdue
from flows.choices import CaseState, MapStatus
from flows.models import Case, LaneMapping, ProcessMap

LANES_CACHE = "flows.lanes"
_lanes: dict[str, Any] = {"gen": -1, "rows": {}}
_lock = threading.Lock()


def lane_mappings() -> dict[str, LaneMapping]:
    """The mapping table by name, cached in process and rebuilt when it changes (cachegen).

    Keys are `core.text.normalize_key(name)` (NFKC, no whitespace), the form `flows.reading`
    gives lane names and candidate groups, so 承办人 typed with a full-width space or a line
    break in a modeler still matches.
    """
    gen = cachegen.current(LANES_CACHE)
    if _lanes["gen"] != gen:
        rows = {normalize_key(m.name): m for m in LaneMapping.objects.all()}
        with _lock:
            _lanes.update(gen=gen, rows=rows)
    return _lanes["rows"]


def _unit_of(user: Any) -> Any:
    if not hasattr(user, "_flows_unit"):
        user._flows_unit = user.unit if getattr(user, "unit_id", None) else None
    return user._flows_unit


def mapping_matches(user: Any, mapping: LaneMapping) -> bool:
    roles = set(getattr(user, "roles", None) or ())
    if mapping.roles and not roles & set(mapping.roles):
        return False
    if mapping.unit_kinds or mapping.unit_names:
        unit = _unit_of(user)
        if unit is None:
            return False
        if unit.kind not in mapping.unit_kinds and not any(n and n in unit.name for n in mapping.unit_names):
            return False
    return bool(mapping.roles or mapping.unit_kinds or mapping.unit_names)


def user_lane_names(user: Any) -> list[str]:
    """Names in the mapping table this user may act for."""
    return [name for name, m in lane_mappings().items() if mapping_matches(user, m)]


def acting_divisions(user: Any) -> set[str]:
    """The divisions whose steps this user takes: their own, and their unit's (a body stationed
    in a town acts there although its staff may belong to the county department).

    Who may act follows the work's own place (issue 11 item 2): a city or county user sees a
    town's case (supervision) but its decision steps belong to the town's people, so an
    ancestor division is not in this set.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    codes = {getattr(user, "division_id", None)}
    unit = _unit_of(user)
    if unit is not None:
        codes.add(unit.division_id)
    return {c for c in codes if c}


def acts_in(user: Any, division_code: str) -> bool:
    """True when `division_code` (a case's town) is one of the user's `acting_divisions`."""
    return division_code in acting_divisions(user)


def _needs_unit(mapping: LaneMapping) -> bool:
    return bool(mapping.unit_kinds or mapping.unit_names)


def mapping_matches_in(user: Any, mapping: LaneMapping, division_code: str) -> bool:
    """`mapping_matches`, bound to the case's own town: a lane that names bodies is taken by
    that town's body (the user's unit lies in `division_code`), any other lane by the town's
    people (`acts_in`)."""
    if not mapping_matches(user, mapping):
        return False
    if _needs_unit(mapping):
        unit = _unit_of(user)
        return unit is not None and unit.division_id == division_code
    return acts_in(user, division_code)


def user_may_act(user: Any, keys: list[str], *, division_code: str) -> bool:
    """May `user` complete a step with these actor keys of a case in `division_code`?

    The lane mapping must match the user's roles/unit, bound to the case's town
    (`mapping_matches_in`): a city or county user supervises, a town's own people act.
    """
    if not acts_in(user, division_code):
        return False
    table = lane_mappings()
    return any(k in table and mapping_matches_in(user, table[k], division_code) for k in keys)


def describe_keys(keys: list[str]) -> str:
    table = lane_mappings()
    parts = []
    for k in keys:
        m = table.get(k)
        if m is None:
            parts.append(f"“{k}”（未映射）")
            continue
        who = "、".join(m.roles) or "任意角色"
        units = "、".join([*m.unit_names, *m.unit_kinds])
        parts.append(f"“{k}”（角色 {who}{'；机构 ' + units if units else ''}）")
    return "，".join(parts)


def map_in_force(item_id: int, town_code: str) -> ProcessMap | None:
    """The town's own published map for the item if any, else its county's."""
    county = town_code[:6] + "000000"
    candidates = list(ProcessMap.objects.filter(item_id=item_id, status=MapStatus.PUBLISHED,
                                                division_id__in=[town_code, county])
                      .select_related("document"))
    by_div = {m.division_id: m for m in candidates}
    return by_div.get(town_code) or by_div.get(county)


def maps_for_item(user: Any, item: Any) -> Any:
    return ProcessMap.objects.visible_to(user).filter(item=item).select_related("division").order_by(
        "division_id", "-version")


def my_tasks(user: Any) -> Any:
    """Running cases of the user's own town (`acting_divisions`, inside their scope) with a ready
    task in a lane the user may act for. A city or county user supervises, so has none here."""
    divisions = acting_divisions(user)
    table = lane_mappings()
    names = [name for name, m in table.items() if mapping_matches(user, m)]
    if not names or not divisions:
        return Case.objects.none()
    unit = _unit_of(user)
    q = Q()
    for name in names:
        lane = Q(ready_lanes__contains=f"|{name}|")
        if _needs_unit(table[name]):  # a body's lane: cases of the town the body is in
            q |= lane & Q(division_id=unit.division_id if unit is not None else None)
        else:
            q |= lane & Q(division_id__in=divisions)
    return (Case.objects.visible_to(user).filter(state=CaseState.RUNNING).filter(q)
            .select_related("item", "division").order_by("due_at", "id"))


def open_cases(item_code: str, division_code: str) -> list[dict]:
    """Provider for catalog.hooks.register_open_work: running cases of an item in a subtree."""
    from core.scoping import code_prefix

    prefix = code_prefix(division_code) if code_level(division_code) != "province" else division_code[:2]
    rows = (Case.objects.filter(item__code=item_code, state=CaseState.RUNNING,
                                division__code__startswith=prefix)
            .values("id", "number", "title", "division_id", "current_step", "due_at", "overdue"))
    return [{"kind": "case", "id": r["id"], "number": r["number"], "title": r["title"],
             "division": r["division_id"], "current_step": r["current_step"],
             "due_at": r["due_at"].isoformat() if r["due_at"] else None, "overdue": r["overdue"],
             "url": f"/flows/cases/{r['id']}/"} for r in rows]


# ---------------------------------------------------------------- to-do (core.worklist) and home figures

STEP_KIND = "flows.step"


def todo_steps(user: Any) -> Any:
    """Case steps waiting for `user` (`my_tasks`), with `todo_due` = the step's due time."""
    return my_tasks(user).annotate(todo_due=F("due_at"))


def todo_steps_subtree(user: Any) -> Any:
    """Running cases with a ready step anywhere in the user's subtree (what a centre may urge)."""
    return (Case.objects.visible_to(user).filter(state=CaseState.RUNNING).exclude(ready_lanes="")
            .select_related("item", "division").annotate(todo_due=F("due_at")))


def todo_step_item(case: Case) -> WorkItem:
    return WorkItem(kind=STEP_KIND, ref=str(case.pk), title=f"{case.number} {case.item.name}",
                    action=case.current_step or "办理", url=reverse("flows:case", args=[case.pk]),
                    due_at=case.due_at, division=case.division_id,
                    overdue=case.overdue or is_overdue(case.due_at), warning=is_due_soon(case.due_at),
                    detail=" · ".join(x for x in (case.title, case.division.name) if x))


def todo_step_recipients(case: Case) -> list[Any]:
    """The people of the case's town who may take one of its ready steps."""
    from accounts.models import User

    keys = [k for r in case.ready_tasks for k in r.get("keys", [])]
    people = User.objects.filter(Q(division_id=case.division_id) | Q(unit__division_id=case.division_id),
                                 is_active=True).select_related("unit")
    return [u for u in people if user_may_act(u, keys, division_code=case.division_id)]


def home_figures(user: Any) -> list[Figure]:
    """Cases for the command centres and leaders: overdue, and due today (running cases in scope)."""
    from core.roles import COMMAND_ROLES, Role, has_role

    if not has_role(user, (*COMMAND_ROLES, Role.LEADER)):
        return []
    running = Case.objects.visible_to(user).filter(state=CaseState.RUNNING)
    today = timezone.localdate().isoformat()
    base = reverse("flows:cases")
    return [
        Figure("flows.overdue", "超期办件", running.filter(overdue=True).count(),
               f"{base}?{urlencode({'state': 'running', 'overdue': 'true'})}", "办件", warn=True),
        Figure("flows.due_today", "今日到期办件",
               running.filter(due_at__date=timezone.localdate()).count(),
               f"{base}?{urlencode({'state': 'running', 'due_after': today, 'due_before': today})}", "办件"),
    ]


def todo_sources() -> list[Source]:
    return [Source(kind=STEP_KIND, label="办件环节", mine=todo_steps, item=todo_step_item,
                   subtree=todo_steps_subtree, recipients=todo_step_recipients,
                   roles=(Role.DEPT_HANDLER,))]
