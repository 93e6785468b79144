"""Notifiers: the ways a notification reaches people, one small class each (healthchecks-style).

`services.notify(...)` writes one outbox row per enabled channel (`settings.NOTIFY_CHANNELS`,
default only the in-platform inbox); the outbox handler `SendHandler` ("notify.send") looks the
row's channel up here and calls its notifier. Built in:

- `inbox` — `InboxNotifier`: rows in `Notification` (the 消息 page and the API). Always on.
- `sms` — `SmsNotifier`: text to the recipients' mobile numbers (`Contact`, channel sms).
- `wecom` — `WeComNotifier`: a 政务微信 text message to the recipients' WeCom accounts.

The gateways hand the message to a transport chosen by settings (`NOTIFY_TRANSPORTS`); the
default `transports.RecordingTransport` only records what would be sent. A deployment points
the setting at its gateway's transport class; `settings.NOTIFY_NOTIFIERS` adds whole notifiers.

Contributor checklist for a new notifier: subclass `Notifier`, set `channel` and `atomic`,
implement `send` so that a repeat with the same key is harmless, register it in
`NOTIFY_NOTIFIERS` (or `BUILT_IN`), and test it on its own (see notify/tests/test_gateways.py).
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from core import audit
from notify.choices import Channel
from notify.models import Contact, Notification
from notify.outbox import Handler
from notify.transports import Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One notification as it travels through the outbox (JSON in the row's payload).

    `recipients` holds `("user", id)` and `("unit", id)` pairs; `link` is a path in the platform.
    """

    recipients: tuple[tuple[str, int], ...]
    kind: str
    title: str
    body: str
    link: str

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Message:
        return cls(recipients=tuple((str(k), int(i)) for k, i in payload["recipients"]), kind=payload["kind"],
                   title=payload["title"], body=payload.get("body", ""), link=payload.get("link", ""))

    def to_payload(self) -> dict[str, Any]:
        return {"recipients": [list(r) for r in self.recipients], "kind": self.kind, "title": self.title,
                "body": self.body, "link": self.link}

    def ids(self, kind: str) -> list[int]:
        return [i for k, i in self.recipients if k == kind]


class Notifier(ABC):
    """Base class: delivers one `Message` through one channel.

    - `channel`: the name used in `settings.NOTIFY_CHANNELS` and in the outbox payload.
    - `atomic`: True when `send` only writes database rows; it then runs inside the
      transaction that marks the outbox row delivered (exactly once). False for anything that
      talks to an outside system: no transaction is held open during the call.
    - `send(message, key=...)` must make a repeat with the same `key` harmless (at-least-once
      delivery); raise to fail the attempt (it is retried with backoff and recorded).
    """

    channel: ClassVar[str] = ""
    atomic: ClassVar[bool] = False

    @abstractmethod
    def send(self, message: Message, *, key: str) -> None:
        """Deliver `message`; a repeat with the same `key` must be harmless."""

    def send_many(self, items: list[tuple[Message, str]]) -> None:
        """Several `(message, key)` at once (the dispatcher's batch path for atomic notifiers).
        Default: `send` for each."""
        for message, key in items:
            self.send(message, key=key)


class InboxNotifier(Notifier):
    """The in-platform inbox: one `Notification` per recipient user or unit, unique per key."""

    channel = Channel.INBOX.value
    atomic = True

    def send(self, message: Message, *, key: str) -> None:
        self.send_many([(message, key)])

    def send_many(self, items: list[tuple[Message, str]]) -> None:
        """One query for the recipients' divisions, one for what exists, one bulk insert."""
        from accounts.models import User
        from org.models import Unit

        user_ids = {i for message, _ in items for i in message.ids("user")}
        unit_ids = {i for message, _ in items for i in message.ids("unit")}
        divisions = {}
        if user_ids:
            divisions.update({f"user:{pk}": code for pk, code in
                              User.objects.filter(id__in=user_ids).values_list("id", "division_id")})
        if unit_ids:
            divisions.update({f"unit:{pk}": code for pk, code in
                              Unit.objects.filter(id__in=unit_ids).values_list("id", "division_id")})
        seen = set(Notification.objects.filter(key__in={key for _, key in items}).values_list("key", "recipient"))
        new = []
        for message, key in items:
            for kind, pk in message.recipients:
                recipient = f"{kind}:{pk}"
                if recipient not in divisions or (key, recipient) in seen:
                    continue  # a recipient deleted since, or a repeated delivery
                seen.add((key, recipient))
                new.append(Notification(
                    user_id=pk if kind == "user" else None, unit_id=pk if kind == "unit" else None,
                    recipient=recipient, division_id=divisions[recipient], key=key, kind=message.kind,
                    title=message.title[:200], body=message.body, link=message.link[:500]))
        Notification.objects.bulk_create(new, batch_size=500)
        audit.record_bulk(new)


class GatewayNotifier(Notifier):
    """A gateway channel: resolves recipients to addresses (`Contact`) and calls a transport.

    A unit recipient reaches the unit's active users. Recipients without an address for the
    channel are skipped (logged). The transport class is `settings.NOTIFY_TRANSPORTS[channel]`.
    The key handed to the transport is the outbox key: gateways that accept an idempotency key
    (a client message id) use it, so a repeated delivery is not a second message.
    """

    atomic = False

    def transport(self) -> Transport:
        path = getattr(settings, "NOTIFY_TRANSPORTS", {}).get(self.channel, "notify.transports.RecordingTransport")
        transport: Transport = import_string(path)()
        return transport

    def addresses(self, message: Message) -> list[str]:
        from django.db.models import Q

        from accounts.models import User

        users = User.objects.filter(Q(id__in=message.ids("user")) | Q(unit_id__in=message.ids("unit")),
                                    is_active=True)
        found = list(Contact.objects.filter(user__in=users, channel=self.channel)
                     .order_by("address").values_list("address", flat=True).distinct())
        return found

    def text(self, message: Message) -> str:
        return f"{message.title}：{message.body}" if message.body else message.title

    def send(self, message: Message, *, key: str) -> None:
        to = self.addresses(message)
        if not to:
            log.info("%s: no addresses for %s, nothing sent", self.channel, key)
            return
        self.transport().send(channel=self.channel, to=to, title=message.title, text=self.text(message),
                              link=message.link, key=key)


class SmsNotifier(GatewayNotifier):
    """短信: one text to the recipients' mobile numbers."""

    channel = Channel.SMS.value


class WeComNotifier(GatewayNotifier):
    """政务微信: a text message to the recipients' WeCom accounts."""

    channel = Channel.WECOM.value


BUILT_IN: dict[str, str] = {
    Channel.INBOX.value: "notify.notifiers.InboxNotifier",
    Channel.SMS.value: "notify.notifiers.SmsNotifier",
    Channel.WECOM.value: "notify.notifiers.WeComNotifier",
}
_LOADED: dict[str, Notifier] = {}  # by dotted path


def notifier_for(channel: str) -> Notifier:
    """The notifier of `channel`, imported on first use (`NOTIFY_NOTIFIERS` adds or replaces)."""
    path = {**BUILT_IN, **getattr(settings, "NOTIFY_NOTIFIERS", {})}.get(channel)
    if path is None:
        raise LookupError(f"no notifier for channel {channel!r}")
    notifier = _LOADED.get(path)
    if notifier is None:
        notifier = _LOADED[path] = import_string(path)()
    return notifier


def enabled_channels() -> list[str]:
    """Channels a notification goes out on: the inbox always, then `settings.NOTIFY_CHANNELS`."""
    channels = [Channel.INBOX.value]
    for name in getattr(settings, "NOTIFY_CHANNELS", []):
        if name and name not in channels:
            channels.append(name)
    return channels


class SendHandler(Handler):
    """Outbox kind "notify.send": payload = `Message.to_payload()` plus `channel`."""

    def atomic_for(self, payload: dict[str, Any]) -> bool:
        return notifier_for(payload["channel"]).atomic

    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        notifier_for(payload["channel"]).send(Message.from_payload(payload), key=key)

    def handle_many(self, items: list[tuple[dict[str, Any], str]]) -> None:
        by_channel: dict[str, list[tuple[Message, str]]] = {}
        for payload, key in items:
            by_channel.setdefault(payload["channel"], []).append((Message.from_payload(payload), key))
        for channel, messages in by_channel.items():
            notifier_for(channel).send_many(messages)
