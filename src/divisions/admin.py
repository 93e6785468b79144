from django.contrib import admin

from core.admin import ScopedAdmin, ScopedRelatedFilter
from divisions.models import Division


@admin.register(Division)
class DivisionAdmin(ScopedAdmin):
    list_display = ("code", "name", "level", "kind", "parent")
    list_filter = ("level", "kind", ("parent", ScopedRelatedFilter))
    search_fields = ("code", "name")
    write_roles = ()  # the tree changes only through the statistical-code import
