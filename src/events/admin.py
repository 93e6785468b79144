"""Admin: classes are edited here by the city (and by Excel import); events, steps, photos and
counters are read-only here (only the services write them: the lifecycle has no bypass)."""
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ScopedAdmin, ScopedRelatedFilter
from events.models import (
    CallDepartment,
    DeadlineMark,
    Escalation,
    Event,
    EventClass,
    EventCounter,
    EventPhoto,
    Step,
    TownCall,
)


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EventClass)
class EventClassAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "major_name", "matter", "severity", "handle_limit", "handle_unit",
                    "is_active")
    list_filter = ("kind", "severity", "is_active")
    search_fields = ("code", "name", "old_codes")
    list_select_related = ("matter",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a class in use is referenced by events; retire it with is_active instead


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "code", "event_class", "state", "level", "division", "unit", "reported_at", "due_at")
    list_filter = ("state", "state_kind", "level", "channel", ("division", ScopedRelatedFilter))
    search_fields = ("code", "description")
    list_select_related = ("event_class", "division", "unit")


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ("event", "seq", "action", "outcome", "actor_name", "from_state", "to_state", "at")
    list_filter = ("action",)


@admin.register(EventPhoto)
class EventPhotoAdmin(ReadOnlyAdmin):
    list_display = ("event", "path", "content_type", "size", "gps_lat", "gps_lng")


@admin.register(EventCounter)
class EventCounterAdmin(ReadOnlyAdmin):
    list_display = ("division", "class_code", "last")


@admin.register(DeadlineMark)
class DeadlineMarkAdmin(ReadOnlyAdmin):
    list_display = ("event", "colour", "due_at", "mark_at", "level", "at")
    list_filter = ("colour", "level")


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("event", "cause", "from_level", "to_level", "due_at", "at")
    list_filter = ("cause", "to_level")


@admin.register(TownCall)
class TownCallAdmin(ReadOnlyAdmin):
    list_display = ("event", "called_by_name", "at", "reason")


@admin.register(CallDepartment)
class CallDepartmentAdmin(ReadOnlyAdmin):
    list_display = ("call", "unit", "outcome", "report_in_due", "reported_in_at", "answer_due", "answered_at",
                    "escalated_at")
    list_filter = ("outcome",)
    list_select_related = ("unit",)
