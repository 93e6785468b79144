"""Sign-in policy in one place: who is an administrator, when TOTP is needed, when the password
must be changed, whether the platform runs in demo or production mode (issue 11, 等保 level 3)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.roles import ADMIN_ROLES

DEMO_PASSWORD = "demo12345"  # demo accounts only; refused in production and by the password policy

INITIAL = "initial"
EXPIRED = "expired"


def production() -> bool:
    """True when PLATFORM_MODE=production (read at call time so tests can switch it)."""
    return getattr(settings, "PLATFORM_MODE", "demo") == "production"


def is_demo_account(user: Any) -> bool:
    return bool(getattr(user, "is_synthetic", False))


def is_administrator(user: Any) -> bool:
    """Superusers and the three administrators (三员) — they must pass TOTP."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False) or set(getattr(user, "roles", None) or ()) & ADMIN_ROLES)


def administrator_role(user: Any) -> str | None:
    """The one administrator role a user holds, or None."""
    held = sorted(set(getattr(user, "roles", None) or ()) & ADMIN_ROLES)
    return held[0] if held else None


def has_totp(user: Any) -> bool:
    from django_otp import user_has_device

    return bool(getattr(user, "is_authenticated", False) and user_has_device(user, confirmed=True))


def otp_required(user: Any) -> bool:
    """TOTP is required for administrators and for anyone who enrolled a device."""
    return is_administrator(user) or has_totp(user)


def otp_satisfied(request: Any) -> bool:
    """The signed-in user has passed the TOTP step this session, or does not need it."""
    user = request.user
    if not otp_required(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def password_age_limit() -> dt.timedelta | None:
    days = int(getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0) or 0)
    return dt.timedelta(days=days) if days > 0 else None


def password_change_reason(user: Any) -> str | None:
    """INITIAL (an initial or reset password), EXPIRED, or None.

    Demo accounts keep the demo password in demo mode; in production they cannot sign in at all.
    """
    if not getattr(user, "is_authenticated", False) or not user.has_usable_password():
        return None
    if is_demo_account(user) and not production():
        return None
    if user.must_change_password:
        return INITIAL
    limit = password_age_limit()
    since = user.password_changed_at or user.date_joined
    if limit is not None and since is not None and timezone.now() - since > limit:
        return EXPIRED
    return None
