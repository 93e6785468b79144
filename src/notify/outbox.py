"""The database outbox: work that must happen, delivered at least once (DESIGN.md §5, issue 9).

Huey does not acknowledge a task: a worker killed mid-task loses it. So work that must happen
(notifications, escalations, later webhook deliveries) is not a Huey task but a row:

1. The change that causes the work calls `enqueue(kind, payload, key=...)` inside its own
   transaction, so the change and the row commit together or not at all.
2. After commit a django.tasks task (Huey's tasks backend) asks a worker to dispatch at once;
   the periodic Huey task `notify.tasks.dispatch_outbox` (every minute) is the safety net that
   finds whatever a lost kick, a dead worker or a failed attempt left behind.
3. `dispatch()` claims due rows by compare-and-set on a lease (`claimed_until`), so any number
   of dispatchers may run at once, calls the row's handler with the row's `key`, and marks the
   row delivered; a failure is recorded (`attempts`, `last_error`) and retried with exponential
   backoff until `OUTBOX_MAX_ATTEMPTS`, then the row is `dead`.

Handlers are registered by kind (`register(kind, "dotted.path.Class")`, usually in an app's
`AppConfig.ready()`, or in `settings.OUTBOX_HANDLERS`) and imported on first use, like
healthchecks' transports. See `Handler` for the contract.
"""
from __future__ import annotations

import logging
import os
import socket
import traceback
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from core import audit, logcontext
from notify.choices import OutboxStatus
from notify.models import OutboxMessage

log = logging.getLogger(__name__)


class Handler(ABC):
    """Base class for outbox handlers: one subclass per kind of work.

    Contract:
    - `handle(payload, key=...)` does the work. `payload` is the JSON object given to
      `enqueue`; `key` is the row's idempotency key. Delivery is *at least once*: the same row
      may be handled again (a worker killed after the work but before the row was marked, a
      lease that ran out), so the handler must make a repeat harmless — write rows with a unique
      constraint on the key, or pass the key to the outside system as its idempotency key.
    - Raise any exception to fail the attempt: it is recorded as `last_error` and the row is
      retried with backoff. Do not catch and hide errors.
    - `atomic = True` (default): the handler runs inside the transaction that marks the row
      delivered, so its database writes commit exactly once together with the delivery (and
      are rolled back if this dispatcher lost its claim meanwhile). Handlers that call outside
      systems set `atomic = False`, so no database transaction is held open during a network
      call; they then rely on the key for idempotency.
    """

    atomic: ClassVar[bool] = True

    def atomic_for(self, payload: dict[str, Any]) -> bool:
        """Whether this row's work runs inside the delivery transaction (default: `atomic`)."""
        return self.atomic

    @abstractmethod
    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        """Do the work of one row (see the contract above)."""

    def handle_many(self, items: list[tuple[dict[str, Any], str]]) -> None:
        """Several rows `(payload, key)` at once, for atomic rows only: the dispatcher calls it
        inside one transaction with the marking of all of them, and if anything fails it rolls
        the whole batch back and falls back to `handle` row by row (so one bad row is recorded on
        its own). Default: `handle` for each; override to save queries (see InboxNotifier)."""
        for payload, key in items:
            self.handle(payload, key=key)


_REGISTRY: dict[str, str] = {}
_LOADED: dict[str, Handler] = {}  # by dotted path


def register(kind: str, path: str) -> None:
    """Register the handler class at dotted `path` for `kind` (imported on first use)."""
    _REGISTRY[kind] = path


def registered_kinds() -> list[str]:
    return sorted({**_REGISTRY, **getattr(settings, "OUTBOX_HANDLERS", {})})


class UnknownKind(LookupError):
    """No handler is registered for a row's kind (a deploy may register it later: retried)."""


def handler_for(kind: str) -> Handler:
    """The handler instance for `kind`; `settings.OUTBOX_HANDLERS` overrides registrations."""
    path = getattr(settings, "OUTBOX_HANDLERS", {}).get(kind) or _REGISTRY.get(kind)
    if path is None:
        raise UnknownKind(f"no outbox handler registered for kind {kind!r}")
    handler = _LOADED.get(path)
    if handler is None:
        handler = _LOADED[path] = import_string(path)()
    return handler


@dataclass(frozen=True)
class Work:
    """One row to enqueue (see `enqueue` for the fields)."""

    kind: str
    payload: dict[str, Any]
    key: str
    division_id: str | None = None
    available_at: datetime | None = None


def enqueue_many(items: Iterable[Work]) -> int:
    """Write outbox rows in the caller's transaction with one bulk insert; returns how many were
    given (rows whose key already exists are left as they are). The path for sweeps that cause
    many pieces of work at once; rules as `enqueue`."""
    now = timezone.now()
    request_id = logcontext.request_id() or ""
    rows = []
    for work in items:
        if not work.key or len(work.key) > 200:
            raise ValueError("outbox key must be 1-200 characters")  # a programming error, not input
        rows.append(OutboxMessage(kind=work.kind, key=work.key, payload=work.payload, division_id=work.division_id,
                                  created_at=now, available_at=work.available_at or now, request_id=request_id))
    if not rows:
        return 0
    with transaction.atomic(savepoint=False):  # joins the caller's transaction; no savepoint round trips
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    _kick_on_commit()
    return len(rows)


def enqueue(kind: str, payload: dict[str, Any], *, key: str, division_id: str | None = None,
            available_at: datetime | None = None) -> OutboxMessage:
    """Write one outbox row in the caller's transaction; returns the row for `key`.

    Call it inside the `transaction.atomic()` block of the change that causes the work, so
    both commit or neither. `key` (≤ 200 characters) identifies the work: a second enqueue with
    the same key adds nothing and returns the existing row (ON CONFLICT DO NOTHING, so the
    caller's transaction is not broken on PostgreSQL). `payload` must be JSON-serialisable.
    `division_id` scopes the row (who may see it in the admin); `available_at` delays it.
    After the transaction commits, a dispatch is requested through django.tasks (see
    `request_dispatch`). Raises ValueError for an empty or over-long key (a programming error).
    """
    enqueue_many([Work(kind, payload, key, division_id, available_at)])
    return OutboxMessage.objects.get(key=key)


def _kick_on_commit() -> None:
    """Ask for one dispatch after the current transaction commits (once per transaction)."""
    if not getattr(settings, "OUTBOX_KICK", True):
        return
    pending = getattr(connection, "run_on_commit", [])
    if any(callback is request_dispatch for _, callback, _ in pending):
        return
    transaction.on_commit(request_dispatch, robust=True)


def request_dispatch() -> None:
    """Enqueue `notify.tasks.dispatch_outbox_now` through django.tasks (Huey's tasks backend).

    Best effort on purpose: if the task queue is unavailable the periodic dispatcher delivers
    the rows within a minute, so a failure here is logged, never raised into the request.
    """
    from notify.tasks import dispatch_outbox_now

    try:
        dispatch_outbox_now.enqueue()
    except Exception:  # noqa: BLE001 - the rows are safe in the database; the sweep will find them
        log.warning("could not request an outbox dispatch; the periodic dispatcher will deliver", exc_info=True)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts` (1-based): base·2^(attempts−1) seconds, capped."""
    base = float(getattr(settings, "OUTBOX_BACKOFF_SECONDS", 30))
    cap = float(getattr(settings, "OUTBOX_BACKOFF_MAX_SECONDS", 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass
class DispatchResult:
    """What one `dispatch()` call did: row ids delivered, failed (will retry) and dead."""

    worker: str
    claimed: int = 0
    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)


def worker_name() -> str:
    """A claim token unique to this call: host, process id and a random suffix."""
    return f"{socket.gethostname()[:60]}.{os.getpid()}.{uuid.uuid4().hex[:10]}"


def _claimable(now: datetime) -> Q:
    return Q(status=OutboxStatus.PENDING, available_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def claim(*, worker: str, limit: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Claim up to `limit` due rows for `worker`; returns the rows this call won.

    The claim is one compare-and-set UPDATE:
    `SET claimed_by=worker, claimed_until=now+lease, attempts=attempts+1 WHERE id IN (…) AND
    status='pending' AND (claimed_until IS NULL OR claimed_until < now)`. Two dispatchers that
    pick the same candidates both run it; the database applies them one after the other and the
    second finds the condition false (PostgreSQL re-checks the WHERE on the updated row), so each
    row is won by exactly one. On PostgreSQL the candidates are selected FOR UPDATE SKIP LOCKED,
    so concurrent dispatchers take different rows instead of waiting for each other.
    """
    now = now or timezone.now()
    lease = timedelta(seconds=float(getattr(settings, "OUTBOX_LEASE_SECONDS", 300)))
    with transaction.atomic():
        candidates = OutboxMessage.objects.filter(_claimable(now)).order_by("available_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(_claimable(now), id__in=ids).update(
            claimed_by=worker, claimed_until=now + lease, attempts=F("attempts") + 1, last_attempt_at=now)
    return list(OutboxMessage.objects.filter(id__in=ids, claimed_by=worker, status=OutboxStatus.PENDING)
                .order_by("available_at", "id"))


class LeaseLost(Exception):
    """Another dispatcher took the row over while this one was handling it."""


def _mark_delivered(row: OutboxMessage, worker: str, now: datetime) -> bool:
    done = OutboxMessage.objects.filter(id=row.id, claimed_by=worker, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.DELIVERED, delivered_at=now, claimed_until=None, last_error="")
    if done:
        row.status, row.delivered_at, row.claimed_until = OutboxStatus.DELIVERED, now, None
        audit.record(row, "update", {"status": OutboxStatus.PENDING}, {"status": OutboxStatus.DELIVERED,
                                                                       "attempts": row.attempts})
    return bool(done)


def _mark_failed(row: OutboxMessage, worker: str, error: str, now: datetime) -> str:
    """Record a failed attempt; the row is retried after `backoff` or, past the limit, dead."""
    max_attempts = int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 12))
    dead = row.attempts >= max_attempts
    status = OutboxStatus.DEAD if dead else OutboxStatus.PENDING
    updated = OutboxMessage.objects.filter(id=row.id, claimed_by=worker, status=OutboxStatus.PENDING).update(
        status=status, claimed_until=None, last_error=error[-4000:],
        available_at=now if dead else now + backoff(row.attempts))
    if not updated:
        return "lost"  # another dispatcher owns the row now; its outcome stands
    if dead:
        audit.record(row, "update", {"status": OutboxStatus.PENDING},
                     {"status": OutboxStatus.DEAD, "attempts": row.attempts, "last_error": error[-500:]})
    return "dead" if dead else "failed"


def deliver(row: OutboxMessage, *, worker: str) -> str:
    """Run one claimed row's handler; returns "delivered", "failed", "dead" or "lost"."""
    with logcontext.bound({"request_id": row.request_id}):  # its log lines carry the causing request's id
        return _deliver(row, worker=worker)


def _deliver(row: OutboxMessage, *, worker: str) -> str:
    try:
        handler = handler_for(row.kind)
        if handler.atomic_for(row.payload):
            with transaction.atomic():
                handler.handle(row.payload, key=row.key)
                if not _mark_delivered(row, worker, timezone.now()):
                    raise LeaseLost(row.id)  # roll the handler's writes back: the new owner does them
        else:
            handler.handle(row.payload, key=row.key)
            if not _mark_delivered(row, worker, timezone.now()):
                raise LeaseLost(row.id)
    except LeaseLost:
        log.warning("outbox row %s was taken over by another dispatcher", row.id)
        return "lost"
    except Exception:  # noqa: BLE001 - any handler error fails this attempt only; it is recorded
        error = traceback.format_exc()
        log.warning("outbox row %s (%s) failed attempt %s", row.id, row.kind, row.attempts, exc_info=True)
        return _mark_failed(row, worker, error, timezone.now())
    return "delivered"


def deliver_batch(handler: Handler, rows: list[OutboxMessage], *, worker: str) -> bool:
    """Deliver atomic rows of one kind in one transaction (`Handler.handle_many`) and mark them
    all delivered; True when it did. On any failure, or if this worker no longer owns every
    row, everything is rolled back and False returned: the caller then delivers row by row."""
    now = timezone.now()
    request_ids = {row.request_id for row in rows}  # one causing request: its log context; several: none
    try:
        with logcontext.bound({"request_id": request_ids.pop()} if len(request_ids) == 1 else None), \
                transaction.atomic():
            handler.handle_many([(row.payload, row.key) for row in rows])
            done = OutboxMessage.objects.filter(id__in=[r.id for r in rows], claimed_by=worker,
                                                status=OutboxStatus.PENDING).update(
                status=OutboxStatus.DELIVERED, delivered_at=now, claimed_until=None, last_error="")
            if done != len(rows):
                raise LeaseLost(len(rows) - done)
            audit.record_many((row, "update", {"status": OutboxStatus.PENDING},
                               {"status": OutboxStatus.DELIVERED, "attempts": row.attempts}) for row in rows)
    except Exception:  # noqa: BLE001 - the row-by-row path records each row's own outcome
        log.info("outbox batch of %s %s rows failed; delivering one by one", len(rows), rows[0].kind, exc_info=True)
        return False
    for row in rows:
        row.status, row.delivered_at, row.claimed_until = OutboxStatus.DELIVERED, now, None
    return True


def _batches(rows: list[OutboxMessage]) -> tuple[dict[str, list[OutboxMessage]], list[OutboxMessage]]:
    """Split claimed rows into atomic batches by kind and the rest (non-atomic, or no handler)."""
    batches: dict[str, list[OutboxMessage]] = {}
    single: list[OutboxMessage] = []
    for row in rows:
        try:
            atomic = handler_for(row.kind).atomic_for(row.payload)
        except Exception:  # noqa: BLE001 - unknown kind or bad payload: `deliver` records it
            atomic = False
        (batches.setdefault(row.kind, []) if atomic else single).append(row)
    return batches, single


def dispatch(*, limit: int = 200, worker: str | None = None, now: datetime | None = None) -> DispatchResult:
    """Claim and deliver up to `limit` due rows; safe to run in any number of processes at once.

    Atomic rows of one kind are delivered in one transaction (`deliver_batch`), falling back to
    row by row when the batch fails; the others row by row. `now` is for tests (a clock past a
    lease or a backoff). Returns what happened to each row.
    """
    worker = worker or worker_name()
    result = DispatchResult(worker=worker)
    outcomes = {"delivered": result.delivered, "failed": result.failed, "dead": result.dead, "lost": result.lost}
    with audit.acting_as(None, source="worker", name="notify.outbox"):
        rows = claim(worker=worker, limit=limit, now=now)
        result.claimed = len(rows)
        batches, single = _batches(rows)
        for kind, batch in batches.items():
            if len(batch) > 1 and deliver_batch(handler_for(kind), batch, worker=worker):
                result.delivered.extend(row.id for row in batch)
            else:
                single.extend(batch)
        for row in sorted(single, key=lambda r: (r.available_at, r.id)):
            outcomes[deliver(row, worker=worker)].append(row.id)
    return result


def dispatch_all(*, batch: int = 200, now: datetime | None = None) -> DispatchResult:
    """Dispatch batches until no due row is left (one worker name for the whole run)."""
    total = DispatchResult(worker=worker_name())
    while True:
        part = dispatch(limit=batch, worker=total.worker, now=now)
        total.claimed += part.claimed
        total.delivered += part.delivered
        total.failed += part.failed
        total.dead += part.dead
        total.lost += part.lost
        if part.claimed < batch or not part.delivered:
            return total
