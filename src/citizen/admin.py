"""Admin: citizen reports are read-only (only `services.citizen_report` writes them); a centre
finds a report by the query code a citizen reads out on the phone."""
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from citizen.models import CitizenReport
from core.admin import ScopedAdmin


@admin.register(CitizenReport)
class CitizenReportAdmin(ScopedAdmin):
    list_display = ("id", "event", "query_code", "created_at")
    search_fields = ("=query_code",)
    list_select_related = ("event",)
    raw_id_fields = ("event",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
