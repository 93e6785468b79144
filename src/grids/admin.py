from django.contrib import admin

from core.admin import ScopedAdmin, ScopedRelatedFilter
from core.roles import Role
from grids.models import Finding, Grid, GridMembership, GridReport, GridVersion, GridWorker, Patrol, PatrolPoint

GRID_MANAGERS = (Role.TOWN_COMMAND, Role.COUNTY_COMMAND, Role.CITY_COMMAND)


class ReadOnlyAdmin(ScopedAdmin):
    """History and generated rows: viewed in the admin, written only by services."""

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    """Grids change through GeoJSON import (validated, versioned), never by hand here."""

    list_display = ("code", "name", "type", "category", "status", "division", "version", "is_synthetic")
    list_filter = ("type", "status", "category", ("division", ScopedRelatedFilter))
    search_fields = ("code", "name")
    list_select_related = ("division",)


@admin.register(GridVersion)
class GridVersionAdmin(ReadOnlyAdmin):
    list_display = ("grid", "version", "action", "actor_name", "at")
    list_filter = ("action",)


@admin.register(GridWorker)
class GridWorkerAdmin(ScopedAdmin):
    list_display = ("name", "kind", "division", "phone", "active", "is_synthetic")
    list_filter = ("kind", "active", ("division", ScopedRelatedFilter))
    search_fields = ("name", "phone")
    raw_id_fields = ("user",)
    write_roles = GRID_MANAGERS


@admin.register(GridMembership)
class GridMembershipAdmin(ReadOnlyAdmin):
    list_display = ("grid", "worker", "role", "since")
    list_filter = ("role",)


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ("worker", "started_at", "duration_s", "status", "division")
    list_filter = ("status",)


@admin.register(PatrolPoint)
class PatrolPointAdmin(ReadOnlyAdmin):
    """Track points: append-only, written by the patrol services."""

    list_display = ("patrol", "seq", "lng", "lat", "t")
    list_select_related = ("patrol",)


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("category", "description", "grid", "status", "found_at")
    list_filter = ("category", "status")


@admin.register(GridReport)
class GridReportAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "division", "period_start", "period_end", "created_at")
    list_filter = ("kind",)
