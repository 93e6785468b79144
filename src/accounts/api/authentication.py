"""API token authentication: django-rest-knox (SHA-512 digests, expiry, revocation).

`Authorization: Token <token>`; an expired, revoked or unknown token is a 401. Demo accounts'
tokens stop working in production, as their sign-in does.
"""
from __future__ import annotations

from typing import Any

from knox.auth import TokenAuthentication
from rest_framework import exceptions

from accounts.security import is_demo_account, production


class PlatformTokenAuthentication(TokenAuthentication):
    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user = auth_token.user
        if not user.is_active or (production() and is_demo_account(user)):
            raise exceptions.AuthenticationFailed("账号已停用或不允许登录")
        return user, auth_token


try:  # the OpenAPI document describes the scheme (drf-spectacular's knox extension matches subclasses)
    from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme

    class PlatformTokenScheme(KnoxTokenScheme):
        target_class = "accounts.api.authentication.PlatformTokenAuthentication"
except ImportError:  # pragma: no cover - drf-spectacular always ships it
    pass
