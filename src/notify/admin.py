"""Admin: the outbox (read-only, with a requeue action for dead rows), notifications, contacts."""
from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from core.admin import ScopedAdmin, ScopedRelatedFilter
from core.roles import COMMAND_ROLES
from notify.choices import OutboxStatus
from notify.models import Contact, Notification, OutboxMessage, Reminder

COMMANDERS = COMMAND_ROLES


class ReadOnlyAdmin(ScopedAdmin):
    """Rows written by services and the dispatcher only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "key", "status", "attempts", "available_at", "claimed_by", "delivered_at")
    list_filter = ("status", "kind", ("division", ScopedRelatedFilter))
    search_fields = ("key", "kind")
    actions = ["requeue"]
    write_roles = COMMANDERS

    @admin.action(description=_("重新投递（失败的任务）"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        writable = OutboxMessage.objects.writable_by(request.user).values("pk")
        rows = list(queryset.filter(status=OutboxStatus.DEAD, pk__in=writable))
        now = timezone.now()
        OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=OutboxStatus.PENDING, attempts=0, available_at=now, claimed_until=None)
        audit.record_many((r, "update", {"status": OutboxStatus.DEAD}, {"status": OutboxStatus.PENDING})
                          for r in rows)
        messages.success(request, _("已重新排队 %(n)d 条") % {"n": len(rows)})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self._can_write(request, None)  # the changelist action only, never a form


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "title", "user", "unit", "read_at")
    list_filter = ("kind", ("division", ScopedRelatedFilter))
    search_fields = ("title", "key")
    raw_id_fields = ("user", "unit", "read_by")


@admin.register(Contact)
class ContactAdmin(ScopedAdmin):
    list_display = ("user", "channel", "address")
    list_filter = ("channel",)
    search_fields = ("address", "user__username", "user__display_name")
    raw_id_fields = ("user",)
    write_roles = COMMANDERS


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """催办 records: written by `notify.services.reminder_send` only, never edited."""

    list_display = ("title", "kind", "urged_by_name", "urged_from", "recipients", "at")
    list_filter = ("kind", ("division", ScopedRelatedFilter))
    search_fields = ("title", "note")
