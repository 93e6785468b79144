"""API permission: reads need a signed-in user; writes one of the view's `write_roles`."""
from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import has_role


class RoleWritePermission(BasePermission):
    """Reads need a signed-in user; writes also need one of the view's `write_roles`."""

    message = "您的角色无权执行此操作"

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return has_role(user, getattr(view, "write_roles", ()))
