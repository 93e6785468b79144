"""The one roles module (README, "Role codes"): role codes and the check every layer uses.

A user has one or more roles; their scope comes from their division, not from the role. Domain
services, API permissions, pages, admin and navigation all ask `has_role`; no role code is
written as a string literal anywhere else.
"""
from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_COMMAND = "city_command", _("市级指挥中心")
    COUNTY_COMMAND = "county_command", _("县级指挥中心")
    TOWN_COMMAND = "town_command", _("镇街指挥调度中心")
    DEPT_HANDLER = "dept_handler", _("部门处置人员")
    GRID_WORKER = "grid_worker", _("网格员")
    REFORM_OFFICE = "reform_office", _("编办（改革办）")
    LEADER = "leader", _("领导")
    AUDITOR = "auditor", _("审计")
    # 三员分立 (GB/T 22239-2019 level 3): three administrators, none of whom does business work.
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


ROLE_CODES: frozenset[str] = frozenset(r.value for r in Role)

#: The three administrators (三员分立). An administrator holds exactly one of these and no business
#: role, has no division (so no business data reaches them) and must use TOTP. System: configuration
#: (GLOBAL reference data, working calendar, lane mapping); security: accounts, roles, TOTP devices,
#: API tokens, lockouts; audit: reads the audit log. Enforced by accounts.services.roles_check.
ADMIN_ROLES: frozenset[str] = frozenset({Role.SYSTEM_ADMIN.value, Role.SECURITY_ADMIN.value,
                                         Role.AUDIT_ADMIN.value})
BUSINESS_ROLES: frozenset[str] = ROLE_CODES - ADMIN_ROLES

#: The command centres of the three levels (市级统筹管大事、县级统抓管难事、乡级统办管琐事).
COMMAND_ROLES: tuple[Role, ...] = (Role.CITY_COMMAND, Role.COUNTY_COMMAND, Role.TOWN_COMMAND)


def has_role(user: Any, *roles: str | tuple[str, ...] | list[str] | set[str] | frozenset[str]) -> bool:
    """True when `user` holds any of `roles` (superusers hold every role).

    Accepts codes as separate arguments or as one collection: `has_role(u, Role.LEADER)`,
    `has_role(u, Role.LEADER, Role.AUDITOR)`, `has_role(u, WRITERS)`.
    """
    if getattr(user, "is_superuser", False):
        return True
    wanted: set[str] = set()
    for r in roles:
        if isinstance(r, str):
            wanted.add(r)
        else:
            wanted.update(r)
    return bool(set(getattr(user, "roles", None) or ()) & wanted)
