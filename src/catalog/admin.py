"""The catalog in the admin.

Items and matters (global reference data) are edited here by administrators. Everything else —
lists and their versions, responsibilities, admissions, assignments, procedures — changes only
through `catalog.services` (the pages and the API), which keep the history, the dates and the
review steps; the admin shows those rows and refuses every edit, to superusers too.
"""
from typing import Any

from django.contrib import admin

from catalog.models import Admission, Assignment, Item, ItemList, ListVersion, Matter, PowerChange, Responsibility
from core.admin import ScopedAdmin, ScopedRelatedFilter


class ServiceOnlyAdmin(ScopedAdmin):
    """Read-only: these rows are written by the services only (see the module docstring)."""

    write_roles = ()

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "department_code", "delegable", "is_synthetic")
    list_filter = ("kind", "delegable", "is_synthetic", "domain")
    search_fields = ("code", "name", "legal_basis")
    write_roles = ()


@admin.register(Matter)
class MatterAdmin(ScopedAdmin):
    list_display = ("code", "name", "domain", "department_code", "default_holder", "is_synthetic")
    list_filter = ("default_holder", "is_synthetic", "domain")
    search_fields = ("code", "name")
    raw_id_fields = ("item",)
    write_roles = ()


@admin.register(ItemList)
class ItemListAdmin(ServiceOnlyAdmin):
    list_display = ("__str__", "division", "kind", "base")
    list_filter = ("kind", ("division", ScopedRelatedFilter))


@admin.register(ListVersion)
class ListVersionAdmin(ServiceOnlyAdmin):
    list_display = ("item_list", "number", "effective_date", "recorded_at", "source", "recorded_by")
    list_filter = ("source",)


@admin.register(Responsibility)
class ResponsibilityAdmin(ServiceOnlyAdmin):
    list_display = ("division", "matter", "main_unit", "valid_from", "valid_to")
    list_filter = (("division", ScopedRelatedFilter),)
    search_fields = ("matter__code", "matter__name")


@admin.register(Admission)
class AdmissionAdmin(ServiceOnlyAdmin):
    list_display = ("code", "title", "department", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("code", "title")


@admin.register(Assignment)
class AssignmentAdmin(ServiceOnlyAdmin):
    list_display = ("title", "division", "admission", "department", "created_at")


@admin.register(PowerChange)
class PowerChangeAdmin(ServiceOnlyAdmin):
    list_display = ("__str__", "division", "kind", "state", "effective_date")
    list_filter = ("kind", "state")
