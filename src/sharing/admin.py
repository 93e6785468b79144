"""Admin: keys, logs and deliveries are read-only here (written by services and the dispatcher);
Open311 publication and import sources are edited by the city / the source's division."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ScopedAdmin, ScopedRelatedFilter
from core.roles import COMMAND_ROLES
from sharing.models import (
    ApiCall,
    ApiKey,
    ImportRun,
    ImportSource,
    Open311Service,
    RateWindow,
    WebhookDelivery,
    WebhookSubscription,
)


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "division", "expires_at", "revoked_at", "last_used_at")
    list_filter = (("division", ScopedRelatedFilter),)
    search_fields = ("name", "prefix")
    exclude = ("digest",)


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = ("at", "key", "method", "endpoint", "status", "rows", "duration_ms")
    list_filter = ("status",)


@admin.register(RateWindow)
class RateWindowAdmin(ReadOnlyAdmin):
    list_display = ("key", "minute", "count")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("url", "key", "algorithm", "active", "created_at")
    exclude = ("salt",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("delivery_id", "event_id", "at", "status_code", "ok", "duration_ms")
    list_filter = ("ok",)


@admin.register(ImportSource)
class ImportSourceAdmin(ScopedAdmin):
    list_display = ("name", "division", "created_at")
    list_filter = (("division", ScopedRelatedFilter),)
    write_roles = COMMAND_ROLES


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("filename", "division", "dry_run", "status", "total", "created", "existing", "started_at")


@admin.register(Open311Service)
class Open311ServiceAdmin(ScopedAdmin):
    list_display = ("event_class", "public", "group")
    list_filter = ("public",)
    write_roles = COMMAND_ROLES
