"""Small fixtures for the sign-in tests: accounts with a known password, TOTP codes, sign-in calls."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.test import Client
from rest_framework.test import APIClient

PASSWORD = "Qiong-hua-2026"  # passes the policy: 3 classes, 14 characters, not common
_HASHES: dict[str, str] = {}


def account(username: str, roles: list[str] | None = None, division: str | None = "321002001000", *,
            password: str = PASSWORD, **fields: Any) -> Any:
    """An account whose password is known (stored as a hash: no 'initial password' side effects)."""
    from accounts.models import User

    if password not in _HASHES:
        _HASHES[password] = make_password(password)
    return User.objects.create(username=username, division_id=division, roles=roles or [],
                               password=_HASHES[password], **fields)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password, "next": "/"}, **extra)


def token_for(username: str, password: str = PASSWORD, **body: Any) -> Any:
    return APIClient().post("/api/auth/token/", {"username": username, "password": password, **body}, format="json")


def totp_code(device: Any, offset: int = 0) -> str:
    """The code an authenticator app shows now for `device` (offset in steps)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def confirmed_device(user: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def events(action: str, user: Any = None) -> list[Any]:
    from core.models import AuditLog

    qs = AuditLog.objects.filter(model="accounts.User", action=action)
    if user is not None:
        qs = qs.filter(object_id=str(user.pk))
    return list(qs.order_by("id"))
