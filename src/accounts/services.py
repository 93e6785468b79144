"""Account writes: creation, roles (三员分立), API tokens (django-rest-knox), TOTP devices."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import PlatformError
from core.roles import ADMIN_ROLES, ROLE_CODES


def roles_check(roles: Sequence[str], *, division_code: str | None) -> None:
    """三员分立: an administrator role is held alone (no second administrator role, no business role)
    and without a division (administrators see no business data). Raises PlatformError (400)."""
    unknown = set(roles) - ROLE_CODES
    if unknown:
        raise PlatformError(f"未知角色: {', '.join(sorted(unknown))}", fields={"roles": ["未知角色"]})
    admin = set(roles) & ADMIN_ROLES
    if admin and len(set(roles)) > 1:
        raise PlatformError("三员分立：系统管理员、安全管理员、审计管理员只能单独担任，不能兼任其他角色",
                            code="separation_of_duties", fields={"roles": ["管理员角色不能与其他角色兼任"]})
    if admin and division_code:
        raise PlatformError("三员分立：管理员账号不属于任何区划，不接触业务数据",
                            code="separation_of_duties", fields={"division": ["管理员账号不能设置所属区划"]})


@transaction.atomic
def user_create(*, username: str, division_code: str | None, roles: Sequence[str], password: str | None = None,
                password_hash: str | None = None, unit_id: int | None = None, display_name: str = "",
                is_staff: bool = False, is_synthetic: bool = False) -> User:
    """Create an account. Either a password (validated by the password policy, to be changed at the
    first sign-in) or a precomputed hash (shared by synthetic demo accounts)."""
    roles_check(list(roles), division_code=division_code)
    user = User(username=username, division_id=division_code, roles=list(roles), unit_id=unit_id,
                display_name=display_name, is_staff=is_staff or bool(set(roles) & ADMIN_ROLES),
                is_synthetic=is_synthetic)
    if password_hash:
        user.password = password_hash
    elif password:
        password_validate(password, user=user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: Sequence[str]) -> User:
    """Replace an account's roles (audited as a `roles` event by accounts.signals)."""
    roles_check(list(roles), division_code=user.division_id)
    user.roles = sorted(set(roles))
    if set(roles) & ADMIN_ROLES:
        user.is_staff = True
    user.save(update_fields=["roles", "is_staff"])
    return user


def password_validate(password: str, *, user: Any) -> None:
    """The password policy (settings.AUTH_PASSWORD_VALIDATORS) as a PlatformError with Chinese messages."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise PlatformError(" ".join(messages), code="password_policy", fields={"password": messages}) from exc


@transaction.atomic
def password_change(*, user: User, new_password: str) -> User:
    """The account sets its own password (policy checked; every API token is revoked)."""
    password_validate(new_password, user=user)
    user.set_password(new_password)
    user.save()
    return user


def token_issue(*, user: User, request: Any = None) -> tuple[Any, str]:
    """A new API token for one client (SHA-512 digest stored, expiring after REST_KNOX TOKEN_TTL).

    A user keeps at most API_TOKENS_PER_USER live tokens; the oldest beyond that are revoked, and
    the expired ones are deleted (the housekeeping knox did on every authenticated request,
    `accounts.api.authentication`). Returns (token row, the token string shown once).
    """
    from knox.models import get_token_model

    from accounts.signals import user_event

    model = get_token_model()
    with transaction.atomic():
        instance, token = model.objects.create(user=user)
        limit = int(getattr(settings, "API_TOKENS_PER_USER", 10))
        expired, _ = model.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        keep = list(model.objects.filter(user=user).order_by("-created").values_list("digest", flat=True)[:limit])
        dropped, _ = model.objects.filter(user=user).exclude(digest__in=keep).delete()
        user_event("token_new", user, request, actor=user, expiry=instance.expiry.isoformat() if instance.expiry else None,
                   token_key=instance.token_key[:8], tokens_dropped=dropped, tokens_expired=expired)
    return instance, token


def tokens_revoke_all(*, user: User, request: Any = None, reason: str = "") -> int:
    """Revoke every API token of the account (sign-out, password change). Audited when any existed."""
    from knox.models import get_token_model

    from accounts.signals import user_event

    deleted, _ = get_token_model().objects.filter(user=user).delete()
    if deleted:
        user_event("token_del", user, request, count=deleted, why=reason)
    return deleted


def token_revoke(*, token: Any, request: Any = None) -> None:
    """Revoke one token (the caller's own)."""
    from accounts.signals import user_event

    user = token.user
    token.delete()
    user_event("token_del", user, request, count=1, why="revoke")


def totp_device_start(*, user: User) -> Any:
    """An unconfirmed TOTP device for the account (replacing an earlier unconfirmed one)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)


def totp_device_confirm(*, user: User, device: Any, token: str, request: Any = None) -> bool:
    """Confirm a device with one code from the authenticator app; other devices are removed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.signals import user_event

    if not device.verify_token(token.strip()):
        user_event("otp_fail", user, request, step="enrol")
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save()
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        user_event("otp_add", user, request, device=device.pk)
    return True
