"""API token authentication: django-rest-knox (SHA-512 digests, expiry, revocation).

`Authorization: Token <token>`; an expired, revoked or unknown token is a 401. Demo accounts'
tokens stop working in production, as their sign-in does.

Per request: one query (the token by its key, with its user), the SHA-512 digest compared in
constant time, and the expiry. knox also read every other token of the user on every request to
delete the expired ones; that housekeeping is done when a token is issued instead
(`accounts.services.token_issue`), so an API call costs one query, not two. That query is
compiled by the ORM once per process and database (`_token_query`): compiling the token-with-user
join on every call was a fifth of a gunicorn worker's CPU under the intake benchmark (py-spy).
"""
from __future__ import annotations

import binascii
import functools
from dataclasses import dataclass
from hmac import compare_digest
from typing import Any

from django.db import connections, router
from django.db.models import Model
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from accounts.security import is_demo_account, production


@dataclass(frozen=True)
class _Compiled:
    sql: str  # takes the key prefix as its one parameter
    token: list[str]  # attnames of the token's columns, then
    user: list[str]  # the user's, in the row's order
    converters: dict[int, tuple[list[Any], Any]]  # the backend's value converters by column (SQLite's datetimes)


@functools.cache
def _token_query(using: str) -> _Compiled:
    """knox's own `filter(token_key=…).select_related("user")`, compiled once per database."""
    model = get_token_model()
    compiler = model.objects.filter(token_key="").select_related("user").query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    assert list(params) == [""], params
    columns = [col for col, _sql, _alias in compiler.select]
    token = [col.target.attname for col in columns if issubclass(model, col.target.model)]
    user = [col.target.attname for col in columns if not issubclass(model, col.target.model)]
    return _Compiled(sql, token, user, compiler.get_converters(columns))


def _tokens_with_key(key: str) -> list[Any]:
    """The tokens whose key prefix is `key`, each with its user loaded (as knox's query answers)."""
    model = get_token_model()
    user_model = model._meta.get_field("user").related_model
    using = router.db_for_read(model)
    connection = connections[using]
    q = _token_query(using)
    with connection.cursor() as cursor:
        cursor.execute(q.sql, [key])
        rows = [list(row) for row in cursor.fetchall()]
    found = []
    for row in rows:
        for pos, (functions, expression) in q.converters.items():
            for convert in functions:
                row[pos] = convert(row[pos], expression, connection)
        token: Model = model.from_db(using, q.token, row[:len(q.token)])
        token.user = user_model.from_db(using, q.user, row[len(q.token):])  # type: ignore[attr-defined]
        found.append(token)
    return found


class PlatformTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        """knox's check, step for step (the tokens of the key prefix, the expired one deleted, the
        SHA-512 digest compared in constant time, renewal when configured, an active user), on
        the query compiled once (`_token_query`). 401 for anything else."""
        msg = "认证令牌无效"
        text = token.decode("utf-8")
        for auth_token in _tokens_with_key(text[:CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

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
