"""Admin base: the same division scoping as the API and pages."""
from __future__ import annotations

from typing import Any

from django.contrib import admin

from core.models import AuditLog, CalendarDay, CalendarYear
from core.roles import Role, has_role
from core.scoping import is_scoped_model


class ScopedAdmin(admin.ModelAdmin):
    """Rows, foreign-key choices and list filters all pass through `visible_to(user)`.

    Staff who are not superusers may change rows only inside their subtree and only with one
    of `write_roles`; model permissions are not used, roles are.
    """

    write_roles: tuple[str, ...] = (Role.REFORM_OFFICE,)

    def get_queryset(self, request: Any) -> Any:
        qs: Any = super().get_queryset(request)
        return qs.visible_to(request.user)

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
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or type(obj).objects.visible_to(request.user).filter(pk=obj.pk).exists()

    def _can_write(self, request: Any, obj: Any) -> bool:
        if not (request.user.is_active and request.user.is_staff):
            return False
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
            if not type(obj).objects.writable_by(request.user).filter(pk=obj.pk).exists():
                raise PermissionDenied("保存后的对象不在您的管辖范围内")


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
