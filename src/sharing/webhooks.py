"""Signed webhooks: event changes pushed to outside systems, at least once, through notify's outbox.

Flow: `events.hooks.on_step` calls `on_step(event, step)` inside the transaction of every step
(the report included). For each active subscription whose key covers the event's division (and
whose class / state filters match) one outbox row of kind `sharing.webhook` is written in that same
transaction, keyed `webhook:<subscription>:<event>:<seq>` — so a change and its deliveries commit
together, and a killed worker loses nothing (the outbox's lease brings the row back). Intake and
the lifecycle never wait for a receiver: the network call happens in the outbox dispatcher.

Delivery (`WebhookHandler`, non-atomic: no transaction is held during the call): POST of the JSON
body with

    Content-Type: application/json; charset=utf-8
    X-Platform-Delivery: <outbox key>            same on every retry and replay: deduplicate on it
    X-Platform-Event: <event id>
    X-Platform-Timestamp: <Unix seconds>
    X-Platform-Signature: sha256=<hex>  |  sm3=<hex>

where the signature is HMAC (RFC 2104) with SHA-256 or SM3 (GB/T 32905-2016) over
`<timestamp>.<body bytes>`, keyed with the subscription's secret (shown once at subscription;
derived from SECRET_KEY and a stored salt, so the database never holds it). A receiver recomputes
it and refuses timestamps older than a few minutes (replay protection). A 2xx answer is success;
anything else, a timeout (`SHARING_WEBHOOK_TIMEOUT`, 5 s) or a refused connection fails the
attempt, and the outbox retries it with exponential backoff (`OUTBOX_BACKOFF_SECONDS`·2^n). Every
attempt is logged in `WebhookDelivery`. Redirects are not followed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from core import cachegen, crypto
from core.scoping import code_prefix
from notify import outbox

KIND = "sharing.webhook"
GENERATION = "sharing.webhooks"


@dataclass(frozen=True)
class _Sub:
    pk: int
    prefix: str
    classes: frozenset[str]
    states: frozenset[str]


_cache: dict[str, Any] = {"gen": None, "subs": []}
_lock = threading.Lock()


def subscriptions_changed() -> None:
    cachegen.bump(GENERATION)


def _active() -> list[_Sub]:
    """Active subscriptions of active keys, cached per process (cachegen `sharing.webhooks`), so a
    step costs no query when nobody subscribes."""
    from django.utils import timezone

    from sharing.models import WebhookSubscription

    gen = cachegen.current(GENERATION)
    if _cache["gen"] != gen:
        with _lock:
            rows = WebhookSubscription.objects.filter(
                active=True, key__revoked_at__isnull=True, key__expires_at__gt=timezone.now()).values_list(
                "pk", "key__division_id", "classes", "states")
            _cache["subs"] = [_Sub(pk, code_prefix(div), frozenset(c or ()), frozenset(s or ()))
                              for pk, div, c, s in rows]
            _cache["gen"] = gen
    return list(_cache["subs"])


def body_for(event: Any, step: Any) -> dict[str, Any]:
    """What a receiver gets: the event's identity, class, place, state and dates, and the step.
    No reporter name or phone (a receiver that needs them reads the event through its key)."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "event": {
            "id": event.pk, "code": event.code or None, "state": event.state, "state_kind": event.state_kind,
            "category": event.event_class.code if event.event_class_id and event.event_class else None,
            "division": event.division_id, "channel": event.channel, "client_id": event.client_id or None,
            "unit": event.unit_id, "level": event.level, "reported_at": iso(event.reported_at),
            "due_at": iso(event.due_at), "version": step.seq,
        },
        "step": {"seq": step.seq, "action": step.action, "outcome": step.outcome, "from": step.from_state,
                 "to": step.to_state, "at": iso(step.at)},
    }


def _matching(event: Any, step: Any) -> list[_Sub]:
    subs = _active()
    if not subs:
        return []
    division = event.division_id or ""
    category = event.event_class.code if event.event_class_id and event.event_class else ""
    return [s for s in subs if division.startswith(s.prefix) and (not s.classes or category in s.classes)
            and (not s.states or step.to_state in s.states)]


def matches(event: Any, step: Any) -> bool:
    """Whether `on_step` writes for this step (`events.hooks.on_step`'s `writes`): a subscription matches."""
    return bool(_matching(event, step))


def on_step(event: Any, step: Any) -> None:
    """`events.hooks.on_step` listener: one outbox row per matching subscription, in the step's transaction."""
    matching = _matching(event, step)
    if not matching:
        return
    division = event.division_id or ""
    body = body_for(event, step)
    outbox.enqueue_many(outbox.Work(KIND, {"subscription": s.pk, "event": event.pk, "body": body},
                                    f"webhook:{s.pk}:{event.pk}:{step.seq}", division or None)
                        for s in matching)


def secret_for(subscription: Any) -> str:
    """The subscription's signing secret (64 hex characters), derived, never stored."""
    material = f"sharing-webhook:{subscription.pk}:{subscription.salt}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), material, hashlib.sha256).hexdigest()


def signature(body: bytes, secret: str, timestamp: int, algorithm: str = "sha256") -> str:
    """`<algorithm>=<hex>`: HMAC-SHA256 or HMAC-SM3 of `<timestamp>.<body>` (see the module docstring)."""
    message = str(timestamp).encode() + b"." + body
    if algorithm == "sm3":
        digest = crypto.hmac_sm3(secret.encode(), message)
    else:
        digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{algorithm}={digest}"


def verify(body: bytes, secret: str, timestamp: int, header: str, *, tolerance: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does (and the tests): recompute, compare in constant time, refuse stale times."""
    algorithm = header.partition("=")[0]
    if algorithm not in ("sha256", "sm3"):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(body, secret, timestamp, algorithm), header)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class WebhookFailed(RuntimeError):
    """The receiver did not answer 2xx (the outbox records it and retries with backoff)."""


class WebhookHandler(outbox.Handler):
    """Outbox handler of kind `sharing.webhook` (at least once; the delivery id is the outbox key)."""

    atomic = False

    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        from django.utils import timezone

        from sharing.models import WebhookDelivery, WebhookSubscription

        sub = WebhookSubscription.objects.select_related("key").filter(pk=payload.get("subscription")).first()
        if sub is None or not sub.active or not sub.key.active:
            return  # unsubscribed or key revoked since: nothing to send (the row is done)
        delivery_id = str(payload.get("delivery_id") or key)
        body = json.dumps(payload.get("body", {}), ensure_ascii=False, sort_keys=True,
                          separators=(",", ":")).encode()
        timestamp = int(time.time())
        request = urllib.request.Request(sub.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "jiceng-platform-webhook/1",
            "X-Platform-Delivery": delivery_id,
            "X-Platform-Event": str(payload.get("event", "")),
            "X-Platform-Timestamp": str(timestamp),
            "X-Platform-Signature": signature(body, secret_for(sub), timestamp, sub.algorithm),
        })
        started = time.monotonic()
        status: int | None = None
        error = ""
        try:
            with _opener.open(request, timeout=float(getattr(settings, "SHARING_WEBHOOK_TIMEOUT", 5))) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        ok = status is not None and 200 <= status < 300
        WebhookDelivery.objects.bulk_create([WebhookDelivery(
            subscription=sub, delivery_id=delivery_id[:200], event_id=int(payload.get("event") or 0), at=timezone.now(),
            status_code=status, ok=ok, error=error, duration_ms=int((time.monotonic() - started) * 1000))])
        if not ok:
            raise WebhookFailed(error or f"HTTP {status}")


def replay(delivery: Any) -> str:
    """Enqueue a logged delivery again with its original delivery id; answers the new outbox key."""
    from notify.models import OutboxMessage

    original = OutboxMessage.objects.filter(key=delivery.delivery_id).first()
    if original is None:
        from core.errors import NotFound

        raise NotFound("原推送已不在发件箱中，无法重放", code="replay_gone")
    n = OutboxMessage.objects.filter(key__startswith=f"{delivery.delivery_id}:replay:").count() + 1
    new_key = f"{delivery.delivery_id}:replay:{n}"
    outbox.enqueue(KIND, {**original.payload, "delivery_id": delivery.delivery_id}, key=new_key,
                   division_id=original.division_id)
    return new_key
