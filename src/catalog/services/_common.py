"""Shared rules of the catalog services: who may write, step history, lookups.

Every catalog service is keyword-only, transactional and audited (signals, plus history on the row).

Who may do what (DESIGN.md §6: reference data is never writable from below):
- lists and responsibilities: the reform office (编办) of the county or city that covers them;
- admission: a county department files (dept_handler), the reform office reviews;
- delegation / adjustment: filed by the county (reform office or department);
  return: filed by the town (town command centre or reform office role in the town);
  the item's county department gives its opinion, the county reform office decides.
"""
from __future__ import annotations

import functools
from typing import Any

from django.utils import timezone

from catalog.choices import ChangeState
from core import audit
from core.errors import NotAllowed, NotFound, PlatformError
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from divisions.models import Division
from org.choices import UnitKind
from org.models import Unit

REFORM = (Role.REFORM_OFFICE,)
DEPT = (Role.DEPT_HANDLER,)
TOWN_FILERS = (Role.TOWN_COMMAND, Role.REFORM_OFFICE)
COUNTY_FILERS = (Role.REFORM_OFFICE, Role.DEPT_HANDLER, Role.COUNTY_COMMAND)
OPEN_CHANGE_STATES = (ChangeState.SUBMITTED, ChangeState.DEPT_REVIEWED, ChangeState.RETURNED, ChangeState.APPROVED)


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
