"""API keys (端口授权): key text and digest, authentication, scope permission, rate limit, call log.

- Key text: `gk_` + 43 URL-safe characters (256 random bits, `secrets`); stored only as its
  SHA-512 digest (the way django-rest-knox stores the platform's user tokens), looked up by the
  digest (a unique index), shown once at creation. A revoked or expired key fails on the next call:
  nothing about keys is cached.
- A request carries its key in `X-Api-Key`, `Authorization: Api-Key <key>` or (Open311, whose
  clients send it so) the `api_key` parameter. The request's user is the key's service account, so
  every scoped query answers the key's division subtree; `request.auth` is the `ApiKey`.
- Each key endpoint declares `required_scope`; a key without it is a 403.
- Rate limit: calls per key and Unix minute are counted by one upsert in the database
  (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), so every web process shares the count; over
  `rate_per_minute` is a 429 (DRF `Throttled`, with `Retry-After`).
- Every call made with a key is logged (`ApiCall`: key, endpoint, method, status, rows, duration).
"""
from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from django.db import connection
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from accounts.security import is_demo_account, production
from core.api.views import PlatformAPIView
from sharing.models import ApiCall, ApiKey, RateWindow

KEY_PREFIX = "gk_"


def new_key_text() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest_of(text: str) -> str:
    """SHA-512 hex digest of a key's text (what is stored)."""
    return hashlib.sha512(text.encode()).hexdigest()


def key_text_of(request: Any) -> str:
    """The key a request carries ('' when none): header first, then the `api_key` parameter."""
    header = request.META.get("HTTP_X_API_KEY", "")
    if header:
        return str(header).strip()
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth.lower().startswith("api-key "):
        return str(auth[8:]).strip()
    value = request.GET.get("api_key", "")
    if not value and request.method == "POST":
        body = getattr(request, "POST", None)
        value = body.get("api_key", "") if body is not None else ""
    return str(value).strip()


def key_for(text: str) -> ApiKey | None:
    """The key with this text, active or not (None when unknown)."""
    if not text or len(text) > 200:
        return None
    return ApiKey.objects.select_related("user", "division").filter(digest=digest_of(text)).first()


class ApiKeyAuthentication(BaseAuthentication):
    """`(service account, ApiKey)` for a request carrying an active key; a wrong, expired or revoked
    key is refused (401 on the platform API, 403 with Open311's error body under /open311/)."""

    def authenticate(self, request: Any) -> tuple[Any, ApiKey] | None:
        text = key_text_of(request._request if hasattr(request, "_request") else request)
        if not text:
            return None
        key = key_for(text)
        if key is not None and not (key.active and key.user.is_active):
            raw = request._request if hasattr(request, "_request") else request
            raw._sharing_refused_key = key  # the refused call still shows in the key's log
        if key is None or not key.active or not key.user.is_active:
            raise exceptions.AuthenticationFailed("接口密钥无效、已过期或已被吊销")
        if production() and is_demo_account(key.user):
            raise exceptions.AuthenticationFailed("演示密钥在生产模式下不可用")
        return key.user, key

    def authenticate_header(self, request: Any) -> str:
        return "Api-Key"


class KeyScopePermission(BasePermission):
    """The request carries a key holding the view's `required_scope` (403 otherwise)."""

    message = "该接口密钥没有此项权限"

    def has_permission(self, request: Any, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.NotAuthenticated("请提供接口密钥（X-Api-Key）")
        scope = getattr(view, "required_scope", "")
        if not scope or not key.allows(scope):
            raise exceptions.PermissionDenied(f"该接口密钥没有“{scope}”权限")
        return True


def count_call(key: ApiKey, now: float | None = None) -> int:
    """Add one call to the key's current minute and answer the minute's count (shared by every process)."""
    minute = int((now if now is not None else time.time()) // 60)
    table = connection.ops.quote_name(RateWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key_id, minute, count) VALUES (%s, %s, 1) "  # noqa: S608 - table name only
            f"ON CONFLICT (key_id, minute) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [key.pk, minute])
        row = cursor.fetchone()
    if minute % 10 == 0 and row and row[0] == 1:
        RateWindow.objects.filter(key=key, minute__lt=minute - 10).delete()  # keep the table small
    return int(row[0]) if row else 0


def check_rate(key: ApiKey) -> None:
    """429 when the key has used up its calls of this minute."""
    used = count_call(key)
    if used > key.rate_per_minute:
        raise exceptions.Throttled(wait=60 - int(time.time()) % 60,
                                   detail=f"调用过于频繁：每分钟最多 {key.rate_per_minute} 次")


def call_key(request: Any) -> ApiKey | None:
    """The key a finished request used: the authenticated one, or an expired/revoked one it tried."""
    key = getattr(request, "_auth", None)  # set once authentication ran; never re-run it here
    if isinstance(key, ApiKey):
        return key
    raw = getattr(request, "_request", request)
    refused = getattr(raw, "_sharing_refused_key", None)
    return refused if isinstance(refused, ApiKey) else None


def log_call(request: Any, status: int, rows: int = 0) -> ApiCall | None:
    """Append the call to the key's log (no audit row: the log is the record) and note its use."""
    key = call_key(request)
    if key is None:
        return None
    started = getattr(getattr(request, "_request", request), "_sharing_started", None)
    duration = int((time.monotonic() - started) * 1000) if started else 0
    path = request.get_full_path()[:300] if hasattr(request, "get_full_path") else ""
    path = _strip_key(path)
    call = ApiCall(key=key, method=request.method[:8], endpoint=path, status=status, rows=rows,
                   duration_ms=duration, client=(request.META.get("REMOTE_ADDR") or "")[:64])
    ApiCall.objects.bulk_create([call])
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return call


def _strip_key(path: str) -> str:
    """A key sent as a query parameter never lands in the log."""
    if "api_key=" not in path:
        return path
    base, _, query = path.partition("?")
    kept = [p for p in query.split("&") if not p.startswith("api_key=")]
    return base + ("?" + "&".join(kept) if kept else "")


def key_of(request: Any) -> ApiKey:
    """The key of a request that passed `KeyScopePermission` (typed access to `request.auth`)."""
    key = request.auth
    if not isinstance(key, ApiKey):
        raise exceptions.NotAuthenticated("请提供接口密钥（X-Api-Key）")
    return key


class KeyAPIView(PlatformAPIView):
    """Base of every endpoint an API key may call: key authentication, scope, rate limit, call log.

    Subclasses set `required_scope` and, for reads, `self.rows` (rows returned) before answering.
    """

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [KeyScopePermission]
    required_scope = ""
    rows = 0

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        request._request._sharing_started = time.monotonic()
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, ApiKey):
            check_rate(request.auth)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response._sharing_call = log_call(request, response.status_code, self.rows)
        return response


try:  # the OpenAPI document describes the key scheme
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class ApiKeyScheme(OpenApiAuthenticationExtension):
        target_class = "sharing.keys.ApiKeyAuthentication"
        name = "ApiKey"

        def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
            return {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                    "description": "接口密钥（端口授权）；也可用 Authorization: Api-Key <密钥>"}
except ImportError:  # pragma: no cover - drf-spectacular always ships it
    pass
