"""Audit log: every create, update and delete, with actor, time, before and after.

Model saves and deletes are captured by signals for every platform app; bulk paths
(bulk_create, queryset.update) call `record_bulk` / `record` themselves. The actor comes from
a context variable set per request (middleware for pages, the API base view after
authentication) or by services and commands with `acting_as(...)`.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save

_actor: contextvars.ContextVar[tuple[int | None, str, str]] = contextvars.ContextVar(
    "audit_actor", default=(None, "system", "system")
)
_reason: contextvars.ContextVar[str] = contextvars.ContextVar("audit_reason", default="")

SKIP_FIELDS = {"password", "last_login"}  # secrets, and sign-ins that change nothing


def set_actor(user: Any, source: str) -> None:
    if user is not None and getattr(user, "is_authenticated", False):
        _actor.set((user.pk, user.get_username(), source))
    else:
        _actor.set((None, "anonymous", source))


@contextmanager
def acting_as(user: Any = None, source: str = "service", name: str = "", reason: str = "") -> Iterator[None]:
    """Attribute writes inside the block to `user` (or to a named system actor)."""
    if user is not None:
        token = _actor.set((user.pk, user.get_username(), source))
    else:
        token = _actor.set((None, name or "system", source))
    rtoken = _reason.set(reason)
    try:
        yield
    finally:
        _actor.reset(token)
        _reason.reset(rtoken)


def current_actor() -> tuple[int | None, str, str]:
    return _actor.get()


def _jsonable(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or None  # the stored path, not the file
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return "<binary>"
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The row's concrete field values, JSON-safe (passwords left out)."""
    out: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIP_FIELDS:
            continue
        out[field.attname] = _jsonable(field.value_from_object(instance))
    return out


def _division_code(instance: models.Model) -> str:
    getter = getattr(instance, "scope_code", None)
    try:
        code = getter() if getter else None
    except Exception:  # noqa: BLE001 - a dangling relation must not block the write
        code = None
    return code if isinstance(code, str) else ""


def _audited(sender: type) -> bool:
    from core.models import AuditLog, CacheGeneration

    if sender in (AuditLog, CacheGeneration) or sender.__module__ == "__fake__":
        return False  # historical models in migrations: the migration itself is the record
    label = sender._meta.app_label
    return label in settings.PLATFORM_APPS


def _entry(instance: models.Model, action: str, before: Any, after: Any) -> Any:
    from core.models import AuditLog

    actor_id, actor_name, source = _actor.get()
    return AuditLog(
        actor_id=actor_id,
        actor_name=actor_name[:150],
        source=source,
        action=action,
        model=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        reason=_reason.get()[:500],
        division_code=_division_code(instance),
    )


def record(instance: models.Model, action: str, before: Any = None, after: Any = None) -> None:
    """Write one audit entry explicitly (for changes made without save())."""
    _entry(instance, action, before, after).save()


def record_many(changes: Iterable[tuple[models.Model, str, Any, Any]]) -> None:
    """Several explicit entries `(instance, action, before, after)` in one small insert (hot paths).

    A plain multi-row VALUES insert: for a handful of rows it is several times cheaper than the
    ORM's bulk_create, which on PostgreSQL binds arrays for UNNEST (measured 1.6 ms vs 0.3 ms).
    """
    from django.db import connection
    from django.utils import timezone

    from core.models import AuditLog

    entries = [_entry(obj, action, before, after) for obj, action, before, after in changes]
    if not entries:
        return
    now = timezone.now()
    fields = [f for f in AuditLog._meta.concrete_fields if not f.primary_key]
    params: list[Any] = []
    for entry in entries:
        entry.at = now
        params.extend(f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(AuditLog._meta.db_table)} ({columns}) "
                       f"VALUES {', '.join([row] * len(entries))}", params)


def record_bulk(instances: Iterable[models.Model], action: str = "create") -> int:
    """Audit rows written with bulk_create (after-images only) in one insert."""
    from core.models import AuditLog

    entries = [
        _entry(obj, action, None, snapshot(obj) if action != "delete" else None) for obj in instances
    ]
    AuditLog.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def _pre_save(sender: type, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _audited(sender) or instance.pk is None or instance._state.adding:
        instance._audit_before = None  # type: ignore[attr-defined]
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None  # type: ignore[attr-defined]


def _post_save(sender: type, instance: models.Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _audited(sender):
        return
    before = getattr(instance, "_audit_before", None)
    after = snapshot(instance)
    if not created and before == after:
        return
    _entry(instance, "create" if created else "update", None if created else before, after).save()


def _post_delete(sender: type, instance: models.Model, **kwargs: Any) -> None:
    if not _audited(sender):
        return
    _entry(instance, "delete", snapshot(instance), None).save()


def connect_signals() -> None:
    pre_save.connect(_pre_save, dispatch_uid="audit_pre_save")
    post_save.connect(_post_save, dispatch_uid="audit_post_save")
    post_delete.connect(_post_delete, dispatch_uid="audit_post_delete")


def record_event(action: str, *, model: str, object_id: Any = "", object_repr: str = "", division_code: str = "",
                 after: Any = None, actor: Any = None, source: str | None = None, reason: str = "") -> None:
    """One entry for an event that is not a row change: sign-in, failed sign-in, lockout, sign-out,
    token issue and revoke, password change (`action` ≤ 10 characters, e.g. "login", "login_fail").

    `actor` (a user) overrides the current actor, `source` the current source; `after` holds the
    event's details (JSON-safe: client address, attempted username, token count).
    """
    from core.models import AuditLog

    actor_id, actor_name, current_source = _actor.get()
    if actor is not None and getattr(actor, "pk", None) is not None:
        actor_id, actor_name = actor.pk, actor.get_username()
    AuditLog(actor_id=actor_id, actor_name=actor_name[:150], source=source or current_source, action=action[:10],
             model=model, object_id=str(object_id)[:64], object_repr=object_repr[:200], before=None, after=after,
             reason=(reason or _reason.get())[:500], division_code=division_code or "").save()
