"""Reads: a user's inbox (their own notifications and their unit's), unread counts."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from notify.models import Notification, Reminder


def inbox_for(user: Any, *, unread: bool | None = None) -> QuerySet[Notification]:
    """Notifications addressed to `user` or to the user's unit, newest first.

    Scoped twice on purpose: the recipient filter (a user sees only their own and their unit's,
    superusers included) and `visible_to` (never outside the user's division subtree).
    `unread=True` keeps unread ones only, `False` read ones only.
    """
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    mine = Q(user_id=user.pk)
    if getattr(user, "unit_id", None):
        mine |= Q(unit_id=user.unit_id)
    qs = Notification.objects.visible_to(user).filter(mine)
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs.order_by("-created_at", "-id")


def unread_counts(user: Any) -> dict[str, int]:
    """`{"total", "own", "unit"}`: unread notifications in the user's inbox."""
    counts = inbox_for(user, unread=True).aggregate(
        own=Count("id", filter=Q(user__isnull=False)), unit=Count("id", filter=Q(unit__isnull=False)))
    own, unit = counts["own"] or 0, counts["unit"] or 0
    return {"total": own + unit, "own": own, "unit": unit}


def reminders_for(user: Any, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Reminder]]:
    """The reminders (催办) on each of the items `keys` (`(kind, ref)` pairs) the user may see,
    newest first: one query, whatever the number of items."""
    wanted = set(keys)
    if not wanted:
        return {}
    cond = Q()
    for kind in {k for k, _ in wanted}:
        cond |= Q(kind=kind, ref__in=[r for k, r in wanted if k == kind])
    out: dict[tuple[str, str], list[Reminder]] = {}
    for row in Reminder.objects.visible_to(user).filter(cond).order_by("-at", "-id"):
        out.setdefault((row.kind, row.ref), []).append(row)
    return out
