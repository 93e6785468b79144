from __future__ import annotations

from django.db import transaction

from accounts.models import User
from core.errors import PlatformError
from core.roles import ROLE_CODES


@transaction.atomic
def user_create(*, username: str, division_code: str | None, roles: list[str], password: str | None = None,
                password_hash: str | None = None, unit_id: int | None = None, display_name: str = "",
                is_staff: bool = False, is_synthetic: bool = False) -> User:
    """Create an account. Either a password or a precomputed hash (shared by synthetic accounts)."""
    unknown = set(roles) - ROLE_CODES
    if unknown:
        raise PlatformError(f"未知角色: {', '.join(sorted(unknown))}", fields={"roles": ["未知角色"]})
    user = User(username=username, division_id=division_code, roles=list(roles), unit_id=unit_id,
                display_name=display_name, is_staff=is_staff, is_synthetic=is_synthetic)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user
