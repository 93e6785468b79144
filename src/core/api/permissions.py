from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission


def has_role(user: Any, roles: set[str] | frozenset[str] | tuple[str, ...]) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return bool(set(getattr(user, "roles", None) or ()) & set(roles))


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
