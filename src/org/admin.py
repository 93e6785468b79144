from django.contrib import admin

from core.admin import ScopedAdmin, ScopedRelatedFilter
from core.roles import Role
from org.models import Absence, Post, Staff, Unit, UnitTemplate, UnitTemplateEntry


class UnitTemplateEntryInline(admin.TabularInline):
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
    # Personal data is shown masked and not edited here (the API's reveal action is the audited way).
    readonly_fields = ("phone", "id_number")


@admin.register(Post)
class PostAdmin(ScopedAdmin):
    list_display = ("name", "unit", "holder_a", "holder_b")
    list_filter = (("unit", ScopedRelatedFilter),)
    write_roles = (Role.REFORM_OFFICE, Role.TOWN_COMMAND)


@admin.register(Absence)
class AbsenceAdmin(ScopedAdmin):
    list_display = ("staff", "start", "end", "reason")
    write_roles = (Role.REFORM_OFFICE, Role.TOWN_COMMAND)
