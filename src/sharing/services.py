"""Writes of the sharing app: issue and revoke keys, subscribe to event changes, replay a delivery.

Every function is keyword-only, takes the acting `user`, runs in one transaction and is audited
(row signals; the key's text and the webhook secret never reach the audit log: only the key's
SHA-512 digest and the secret's salt are stored).
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import NotAllowed, NotFound, PlatformError
from sharing import keys, webhooks
from sharing.choices import KeyScope, SignatureAlgorithm
from sharing.models import ApiKey, WebhookDelivery, WebhookSubscription
from sharing.permissions import may_manage


@dataclass
class IssuedKey:
    """A new key and its text (shown once, never stored)."""

    key: ApiKey
    text: str


def _max_days() -> int:
    return int(getattr(settings, "SHARING_KEY_MAX_DAYS", 730))


def _check_scopes(scopes: Any) -> list[str]:
    if not isinstance(scopes, (list, tuple)) or not scopes:
        raise PlatformError("请至少选择一项权限", code="scopes_required", fields={"scopes": ["必填"]})
    unknown = [s for s in scopes if s not in KeyScope.values]
    if unknown:
        raise PlatformError(f"未知的权限：{'、'.join(map(str, unknown))}", code="bad_scope",
                            fields={"scopes": [f"可选：{', '.join(KeyScope.values)}"]})
    return sorted(set(scopes))


def apikey_create(*, user: Any, name: str, division: Any, scopes: list[str], expires_at: dt.datetime | None = None,
                  rate_per_minute: int = 600, note: str = "", text: str | None = None) -> IssuedKey:
    """Issue a key bound to `division`'s subtree. Answers the key and its text (shown once).

    Rules: only the security administrator or a command centre covering `division` (403); at least
    one known scope; expiry in the future and at most `SHARING_KEY_MAX_DAYS` (730) days ahead
    (default: one year); rate 1…100,000 calls a minute. `text` is for the demo's published key only.
    """
    from accounts.models import User

    code = getattr(division, "code", division)
    if not may_manage(user, code):
        raise NotAllowed("只有安全管理员或本区划的指挥中心可以签发接口密钥", code="not_key_manager")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise PlatformError("请填写名称（最多 100 字）", code="name_required", fields={"name": ["必填"]})
    clean_scopes = _check_scopes(scopes)
    now = timezone.now()
    expires_at = expires_at or now + dt.timedelta(days=365)
    if expires_at <= now or expires_at > now + dt.timedelta(days=_max_days()):
        raise PlatformError(f"有效期须在今后 {_max_days()} 天之内", code="bad_expiry", fields={"expires_at": ["超出范围"]})
    if not 1 <= int(rate_per_minute) <= 100_000:
        raise PlatformError("每分钟调用上限须在 1–100000 之间", code="bad_rate", fields={"rate_per_minute": ["超出范围"]})
    text = text or keys.new_key_text()
    with transaction.atomic(), audit.acting_as(user, source="api"):
        account = User(username=f"apikey-{secrets.token_hex(8)}", division_id=code, roles=[],
                       display_name=f"接口：{name}"[:50])
        account.set_unusable_password()
        account.save()
        key = ApiKey.objects.create(name=name, division_id=code, user=account, prefix=text[:8],
                                    digest=keys.digest_of(text), scopes=clean_scopes, expires_at=expires_at,
                                    rate_per_minute=int(rate_per_minute), created_by=user if getattr(
                                        user, "pk", None) else None, note=(note or "")[:200])
    return IssuedKey(key, text)


def apikey_revoke(*, user: Any, key: ApiKey) -> ApiKey:
    """Revoke at once: the next call with the key is refused (nothing about keys is cached)."""
    if not may_manage(user, key.division_id):
        raise NotFound("接口密钥不存在")
    if key.revoked_at is not None:
        return key
    with transaction.atomic(), audit.acting_as(user, source="api"):
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        account = key.user
        account.is_active = False
        account.save(update_fields=["is_active"])
        webhooks.subscriptions_changed()  # its subscriptions stop being matched at once
    return key


@dataclass
class IssuedSubscription:
    subscription: WebhookSubscription
    secret: str


def subscription_create(*, user: Any, key: ApiKey, url: str, algorithm: str = SignatureAlgorithm.SHA256,
                        classes: list[str] | None = None, states: list[str] | None = None) -> IssuedSubscription:
    """Subscribe `key`'s system to event changes in its subtree. `url` http(s) only; the signing
    secret is derived from SECRET_KEY and a stored random salt and is shown once."""
    from events.lifecycle import State

    if not may_manage(user, key.division_id) and getattr(user, "pk", None) != key.user_id:
        raise NotFound("接口密钥不存在")
    url = (url or "").strip()
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        raise PlatformError("回调地址须以 http:// 或 https:// 开头", code="bad_url", fields={"url": ["地址不正确"]})
    if algorithm not in SignatureAlgorithm.values:
        raise PlatformError("签名算法不正确", code="bad_algorithm", fields={"algorithm": ["sha256 或 sm3"]})
    classes = [str(c) for c in (classes or [])]
    states = [str(s) for s in (states or [])]
    bad = [s for s in states if s not in State.values]
    if bad:
        raise PlatformError(f"未知的状态：{'、'.join(bad)}", code="bad_state", fields={"states": ["状态不正确"]})
    with transaction.atomic(), audit.acting_as(user, source="api"):
        sub = WebhookSubscription.objects.create(key=key, url=url, salt=secrets.token_hex(16), algorithm=algorithm,
                                                 classes=classes, states=states)
        webhooks.subscriptions_changed()
    return IssuedSubscription(sub, webhooks.secret_for(sub))


def subscription_delete(*, user: Any, subscription: WebhookSubscription) -> None:
    key = subscription.key
    if not may_manage(user, key.division_id) and getattr(user, "pk", None) != key.user_id:
        raise NotFound("订阅不存在")
    with transaction.atomic(), audit.acting_as(user, source="api"):
        subscription.active = False
        subscription.save(update_fields=["active"])
        webhooks.subscriptions_changed()


def delivery_replay(*, user: Any, delivery: WebhookDelivery) -> str:
    """Send a logged delivery again (same delivery id, so the receiver deduplicates); answers the
    new outbox key."""
    key = delivery.subscription.key
    if not may_manage(user, key.division_id) and getattr(user, "pk", None) != key.user_id:
        raise NotFound("推送记录不存在")
    with transaction.atomic(), audit.acting_as(user, source="api"):
        return webhooks.replay(delivery)
