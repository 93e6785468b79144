"""Outbox handlers used by the tests (selected with settings.OUTBOX_HANDLERS)."""
from __future__ import annotations

from typing import Any, ClassVar

from notify.models import Contact
from notify.outbox import Handler


class RecordingHandler(Handler):
    """Remembers every call (key, payload) in this process."""

    calls: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        RecordingHandler.calls.append((key, payload))


class FailingHandler(Handler):
    """Writes a row, then fails: the write must not survive the failed attempt."""

    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        Contact.objects.create(user_id=payload["user"], channel="sms", address=key)
        raise RuntimeError(f"gateway down for {key}")


class WritingHandler(Handler):
    """Writes one row keyed by the outbox key (a repeat would violate the unique constraint)."""

    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        Contact.objects.create(user_id=payload["user"], channel="sms", address=key)


class MaybeHandler(Handler):
    """Writes like WritingHandler, or fails when the payload says so (a bad row in a batch)."""

    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        if payload.get("fail"):
            raise RuntimeError(f"bad row {key}")
        Contact.objects.create(user_id=payload["user"], channel="sms", address=key)
