"""Admin: read-only views of assessment rows (definitions, schemes and records are written by the
services, which check the rules; results and scores are append-only history)."""
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from assess.models import (
    AppointmentSuggestion,
    AssessReport,
    DualScore,
    IndicatorVersion,
    Result,
    Run,
    SchemeVersion,
    Score,
    StationedDispatch,
)
from core.admin import ScopedAdmin


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IndicatorVersion)
class IndicatorVersionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "subject_type", "division", "valid_from", "version", "numerator", "denominator")
    list_filter = ("subject_type",)
    search_fields = ("code", "name")


@admin.register(SchemeVersion)
class SchemeVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "subject_type", "division", "valid_from", "version", "town_share")
    list_filter = ("subject_type",)


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("subject_name", "code", "period_kind", "period_start", "numerator", "denominator", "value",
                    "revision", "as_of")
    list_filter = ("period_kind", "subject_type", "reason")
    search_fields = ("subject_name", "code")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("subject_name", "subject_type", "period_kind", "period_start", "score", "grade", "revision")
    list_filter = ("period_kind", "subject_type", "grade")


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ("division", "period_kind", "period_start", "status", "done", "total", "stored", "created_at")
    list_filter = ("status",)


@admin.register(StationedDispatch)
class StationedDispatchAdmin(ReadOnlyAdmin):
    list_display = ("task", "unit", "due_at", "completed_at")


@admin.register(AppointmentSuggestion)
class AppointmentSuggestionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "department", "created_at", "answer_due", "answered_at")


@admin.register(DualScore)
class DualScoreAdmin(ReadOnlyAdmin):
    list_display = ("unit", "year", "assessor", "score")


@admin.register(AssessReport)
class AssessReportAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "division", "period_start", "created_at")
    list_filter = ("kind",)
