from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User
from core.admin import ScopedAdmin


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    list_display = ("username", "display_name", "division", "roles", "is_staff", "is_synthetic")
    list_filter = ("is_staff", "is_synthetic")
    search_fields = ("username", "display_name")
    fieldsets = DjangoUserAdmin.fieldsets + (("平台", {"fields": ("division", "unit", "staff", "roles", "display_name")}),)
    write_roles = ()  # accounts are managed by platform administrators
