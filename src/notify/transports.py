"""Transports: how a gateway notifier hands a message to an outside system.

One documented base class; a deployment writes a subclass for its SMS platform or its 政务微信
(WeCom) application and names it in `settings.NOTIFY_TRANSPORTS`. The platform ships only
`RecordingTransport`, which records what would be sent (tests, demos, and a deployment that
has not connected a gateway yet): the intranet gateways differ per province and none can be
reached from here, so a real one would be untested code.
"""
from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone


class Transport(ABC):
    """Base class: send one text to a list of addresses.

    `send(channel=, to=, title=, text=, link=, key=)`: `to` holds mobile numbers (sms) or WeCom
    user ids (wecom); `text` is the message as a person reads it; `link` a platform path;
    `key` the outbox key — pass it to the gateway as its client message id where it has one,
    so that a repeated delivery (at-least-once) is not a second message. Raise on failure: the
    outbox records the error and retries with backoff.
    """

    @abstractmethod
    def send(self, *, channel: str, to: list[str], title: str, text: str, link: str, key: str) -> None:
        """Send `text` to every address in `to`; raise on failure."""


class RecordingTransport(Transport):
    """Records what would be sent: in `RecordingTransport.sent` (this process) and, when
    `settings.NOTIFY_RECORD_FILE` is set, as one JSON line per send in that file (so another
    process — a worker — can be checked)."""

    sent: ClassVar[list[dict[str, Any]]] = []
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def send(self, *, channel: str, to: list[str], title: str, text: str, link: str, key: str) -> None:
        record = {"channel": channel, "to": list(to), "title": title, "text": text, "link": link, "key": key,
                  "at": timezone.now().isoformat()}
        path = getattr(settings, "NOTIFY_RECORD_FILE", "")
        with self._lock:
            RecordingTransport.sent.append(record)
            if path:
                with open(path, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
