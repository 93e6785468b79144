"""Admin base: the same division scoping as the API and pages."""
from __future__ import annotations

from typing import Any

from django.contrib import admin

from core.models import AuditLog, CalendarDay, CalendarYear
from core.roles import ADMIN_ROLES, Role, has_role
from core.scoping import GLOBAL, RestrictedPrefetch, is_scoped_model


def _held_admin_roles(user: Any) -> set[str]:
    """The administrator roles (三员) a user holds (superusers are not counted: they hold everything)."""
    return set(getattr(user, "roles", None) or ()) & ADMIN_ROLES


class ScopedAdmin(admin.ModelAdmin):
    """Rows, foreign-key choices and list filters all pass through `visible_to(user)`.

    Staff who are not superusers may change rows only inside their subtree and only with one
    of `write_roles`; model permissions are not used, roles are.

    三员分立: administrators have no division, so no business row reaches them. The system
    administrator maintains the GLOBAL rows (configuration and reference catalogues: calendar,
    lane mapping, templates); the security and audit administrators see their own admins only
    (accounts.admin, AuditLogAdmin).
    """

    write_roles: tuple[str, ...] = (Role.REFORM_OFFICE,)

    def _configures(self, request: Any) -> bool:
        """The system administrator, on a GLOBAL (configuration) model."""
        return Role.SYSTEM_ADMIN in _held_admin_roles(request.user) and getattr(self.model, "scope_kind", "") == GLOBAL

    def get_queryset(self, request: Any) -> Any:
        qs: Any = super().get_queryset(request)
        if self._configures(request):
            return qs
        # many-to-many rows (shown read-only as a list of names) pass through the user's scope too
        prefetch: Any = RestrictedPrefetch  # django-stubs' Prefetch plugin cannot read a subclass's arguments
        restricted = [prefetch(f.name, request.user, f.related_model.objects.all())
                      for f in qs.model._meta.many_to_many if is_scoped_model(f.related_model)]
        return qs.visible_to(request.user).prefetch_related(*restricted)

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and is_scoped_model(db_field.related_model):
            queryset: Any = field.queryset
            field.queryset = queryset.visible_to(request.user)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and is_scoped_model(db_field.related_model):
            queryset: Any = field.queryset
            field.queryset = queryset.visible_to(request.user)
        return field

    def has_module_permission(self, request: Any) -> bool:
        if not (request.user.is_active and request.user.is_staff):
            return False
        return not _held_admin_roles(request.user) or self._configures(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        if not (request.user.is_active and request.user.is_staff):
            return False
        if self._configures(request):
            return True
        if _held_admin_roles(request.user):
            return False  # administrators see no business rows, not even an empty list
        return obj is None or type(obj).objects.visible_to(request.user).filter(pk=obj.pk).exists()

    def _can_write(self, request: Any, obj: Any) -> bool:
        if not (request.user.is_active and request.user.is_staff):
            return False
        if self._configures(request):
            return True
        if not has_role(request.user, self.write_roles):
            return False
        return obj is None or type(obj).objects.writable_by(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: Any) -> bool:
        return self._can_write(request, None)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return self._can_write(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return self._can_write(request, obj)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        from django.core.exceptions import PermissionDenied
        from django.db import transaction

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if self._configures(request):
                return
            if not type(obj).objects.writable_by(request.user).filter(pk=obj.pk).exists():
                raise PermissionDenied("保存后的对象不在您的管辖范围内")


class ScopedInlineMixin:
    """An inline (rows of a parent shown on its change page) with the admin's scoping: only the
    rows the user can see, and foreign-key choices likewise. Every inline derives from it."""

    def get_queryset(self, request: Any) -> Any:
        qs: Any = super().get_queryset(request)  # type: ignore[misc]
        return qs.visible_to(request.user) if is_scoped_model(qs.model) else qs

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and is_scoped_model(db_field.related_model):
            queryset: Any = field.queryset
            field.queryset = queryset.visible_to(request.user)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and is_scoped_model(db_field.related_model):
            queryset: Any = field.queryset
            field.queryset = queryset.visible_to(request.user)
        return field


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """List filter whose choices are the related rows the user can see."""

    def field_choices(self, field: Any, request: Any, model_admin: Any) -> list:
        related = field.related_model
        if is_scoped_model(related):
            qs = related.objects.visible_to(request.user)
            return [(obj.pk, str(obj)) for obj in qs[:500]]
        return super().field_choices(field, request, model_admin)


@admin.register(AuditLog)
class AuditLogAdmin(ScopedAdmin):
    list_display = ("at", "actor_name", "source", "action", "model", "object_repr", "division_code")
    list_filter = ("action", "source", "model")
    search_fields = ("object_repr", "actor_name", "object_id")
    write_roles = ()

    # The audit administrator (三员) reads the whole log and changes nothing; the other two
    # administrators do not see it.
    def get_queryset(self, request: Any) -> Any:
        if Role.AUDIT_ADMIN in _held_admin_roles(request.user):
            return admin.ModelAdmin.get_queryset(self, request)
        return super().get_queryset(request)

    def has_module_permission(self, request: Any) -> bool:
        if Role.AUDIT_ADMIN in _held_admin_roles(request.user):
            return bool(request.user.is_active and request.user.is_staff)
        return super().has_module_permission(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        if Role.AUDIT_ADMIN in _held_admin_roles(request.user):
            return bool(request.user.is_active and request.user.is_staff)
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)


@admin.register(CalendarYear)
class CalendarYearAdmin(ScopedAdmin):
    list_display = ("year", "source")
