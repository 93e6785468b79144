"""Organisation in the admin, under the same rules as the pages and the API.

The rules are the models' `clean()` (which call `org.rules`, as the services do): the form refuses
a post whose A and B holder are one person, an absence that ends before it starts, a stationed
body without its county department, with the message beside the field. A row's division is
derived (from its unit or person), never typed, so it is not on the forms.
"""
from django.contrib import admin

from core.admin import ScopedAdmin, ScopedRelatedFilter, ScopedTabularInline
from core.roles import Role
from org.models import Absence, Post, Staff, Unit, UnitTemplate, UnitTemplateEntry


class UnitTemplateEntryInline(ScopedTabularInline):
    model = UnitTemplateEntry
    extra = 0


@admin.register(UnitTemplate)
class UnitTemplateAdmin(ScopedAdmin):
    list_display = ("name", "applies_to")
    inlines = [UnitTemplateEntryInline]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ("name", "kind", "division", "home_department")
    list_filter = ("kind", ("division", ScopedRelatedFilter))
    search_fields = ("name",)


@admin.register(Staff)
class StaffAdmin(ScopedAdmin):
    list_display = ("name", "unit", "division", "establishment", "is_leader", "served_village_secretary", "is_synthetic")
    list_filter = ("establishment", "is_leader", ("unit", ScopedRelatedFilter))
    search_fields = ("name",)
    write_roles = (Role.REFORM_OFFICE, Role.TOWN_COMMAND)
    exclude = ("division",)  # the unit's (Staff.clean)
    autocomplete_fields = ("unit",)  # chosen by name with search (scoped by UnitAdmin.get_queryset)
    # Personal data is shown masked and not edited here (the API's reveal action is the audited way).
    readonly_fields = ("phone", "id_number")


@admin.register(Post)
class PostAdmin(ScopedAdmin):
    list_display = ("name", "unit", "holder_a", "holder_b")
    list_filter = (("unit", ScopedRelatedFilter),)
    write_roles = (Role.REFORM_OFFICE, Role.TOWN_COMMAND)
    exclude = ("division",)  # the unit's (Post.clean)
    autocomplete_fields = ("unit", "holder_a", "holder_b")  # staff and bodies chosen by name with search


@admin.register(Absence)
class AbsenceAdmin(ScopedAdmin):
    list_display = ("staff", "start", "end", "reason")
    write_roles = (Role.REFORM_OFFICE, Role.TOWN_COMMAND)
    exclude = ("division",)  # the person's (Absence.clean)
    autocomplete_fields = ("staff",)
