"""API token authentication: django-rest-knox (SHA-512 digests, expiry, revocation).

`Authorization: Token <token>`; an expired, revoked or unknown token is a 401. Demo accounts'
tokens stop working in production, as their sign-in does.

Per request: one query (the token by its key, with its user), the SHA-512 digest compared in
constant time, and the expiry. knox also read every other token of the user on every request to
delete the expired ones; that housekeeping is done when a token is issued instead
(`accounts.services.token_issue`), so an API call costs one query, not two.
"""
from __future__ import annotations

from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions

from accounts.security import is_demo_account, production


class PlatformTokenAuthentication(TokenAuthentication):
    def _cleanup_token(self, auth_token: Any) -> bool:
        """True (and the row deleted) when the presented token has expired; the user's other
        expired tokens are deleted at the next `token_issue`, not on every request."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

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
