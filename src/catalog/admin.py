from django.contrib import admin

from catalog.models import Admission, Assignment, Item, ItemList, ListVersion, Matter, PowerChange, Responsibility
from core.admin import ScopedAdmin, ScopedRelatedFilter


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
class ItemListAdmin(ScopedAdmin):
    list_display = ("__str__", "division", "kind", "base")
    list_filter = ("kind", ("division", ScopedRelatedFilter))
    # Lists change only through versions (services), so the admin reads them.
    write_roles = ()


@admin.register(ListVersion)
class ListVersionAdmin(ScopedAdmin):
    list_display = ("item_list", "number", "effective_date", "recorded_at", "source", "recorded_by")
    list_filter = ("source",)
    write_roles = ()  # append-only history


@admin.register(Responsibility)
class ResponsibilityAdmin(ScopedAdmin):
    list_display = ("division", "matter", "main_unit", "valid_from", "valid_to")
    list_filter = (("division", ScopedRelatedFilter),)
    search_fields = ("matter__code", "matter__name")
    write_roles = ()  # set through services.responsibility_set (closes the previous interval)


@admin.register(Admission)
class AdmissionAdmin(ScopedAdmin):
    list_display = ("code", "title", "department", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("code", "title")
    write_roles = ()


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdmin):
    list_display = ("title", "division", "admission", "department", "created_at")
    write_roles = ()


@admin.register(PowerChange)
class PowerChangeAdmin(ScopedAdmin):
    list_display = ("__str__", "division", "kind", "state", "effective_date")
    list_filter = ("kind", "state")
    write_roles = ()
