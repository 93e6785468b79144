"""Who manages keys and reads their logs (端口授权 is a security matter, 三员分立).

- The security administrator (`Role.SECURITY_ADMIN`, no division) manages every key.
- A command centre (city, county, town) manages the keys of its own division subtree.
- A key's log is read by its owner (who issued it), the command centres of its subtree, the
  auditor of its subtree (`Role.AUDITOR`) and the audit administrator (`Role.AUDIT_ADMIN`).
"""
from __future__ import annotations

from typing import Any

from core.roles import COMMAND_ROLES, Role, has_role
from core.scoping import scope_for


def manages_all(user: Any) -> bool:
    return has_role(user, Role.SECURITY_ADMIN)


def may_manage(user: Any, division_code: str | None) -> bool:
    """True when `user` may issue, change or revoke a key of `division_code`."""
    if manages_all(user):
        return True
    return has_role(user, COMMAND_ROLES) and scope_for(user).covers(division_code)


def reads_all_logs(user: Any) -> bool:
    return has_role(user, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
