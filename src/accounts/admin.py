"""Accounts in the admin (三员分立).

- The security administrator manages every account (create, roles, deactivate, reset a
  password — which must then be changed at the next sign-in), TOTP devices, API tokens and
  lockouts (django-axes attempts: delete one to unlock). Nobody can make a superuser here.
- Business staff with admin access see the accounts of their subtree, read-only.
- The system and audit administrators do not see accounts.
"""
from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.admin import AuthTokenAdmin
from knox.models import AuthToken

from accounts.models import User
from core.admin import ScopedAdmin
from core.errors import PlatformError
from core.roles import Role


def _security_admin(request: Any) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and Role.SECURITY_ADMIN in (user.roles or ()))


class _RolesMixin(forms.ModelForm):
    roles = forms.MultipleChoiceField(label="角色", choices=Role.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def clean(self) -> dict[str, Any]:
        from accounts.services import roles_check

        data = super().clean() or {}
        division = data.get("division")
        try:
            roles_check(list(data.get("roles") or []), division_code=division.pk if division else None)
        except PlatformError as exc:
            raise ValidationError(exc.message) from exc
        return data


class PlatformUserChangeForm(_RolesMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ("username", "password", "display_name", "division", "unit", "staff", "roles", "is_active",
                  "is_staff", "must_change_password")  # type: ignore[assignment]


class PlatformUserCreationForm(_RolesMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "division", "unit", "roles")


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    form = PlatformUserChangeForm
    add_form = PlatformUserCreationForm
    list_display = ("username", "display_name", "division", "roles", "is_active", "must_change_password",
                    "is_synthetic")
    list_filter = ("is_active", "is_staff", "is_synthetic", "must_change_password")
    search_fields = ("username", "display_name")
    readonly_fields = ("last_login", "date_joined", "password_changed_at", "is_synthetic")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("平台", {"fields": ("display_name", "division", "unit", "staff", "roles")}),
        ("状态", {"fields": ("is_active", "is_staff", "must_change_password", "is_synthetic",
                           "password_changed_at", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "display_name", "division", "unit", "roles",
                                                             "password1", "password2")}),)
    write_roles = ()  # accounts are managed by the security administrator only

    raw_id_fields = ("staff",)  # a staff record is business data: linked by id, never listed here

    def get_queryset(self, request: Any) -> Any:
        if _security_admin(request):
            return User.objects.all()
        return super().get_queryset(request)

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if _security_admin(request) and db_field.name in ("division", "unit"):
            # the division tree and the unit directory (reference data) to place any account
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: Any) -> bool:
        return _security_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return _security_admin(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: Any) -> bool:
        return _security_admin(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        # nobody changes their own account here (a security administrator cannot re-role themselves)
        return _security_admin(request) and (obj is None or obj.pk != request.user.pk)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit log names them

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if set(obj.roles or ()) & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}:
            obj.is_staff = True
        obj.is_superuser = False
        admin.ModelAdmin.save_model(self, request, obj, form, change)


class SecurityAdminOnly:
    """Library admins (TOTP devices, API tokens, lockouts) for the security administrator only."""

    def has_module_permission(self, request: Any) -> bool:
        return _security_admin(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return _security_admin(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return _security_admin(request)  # remove a lost device, revoke a token, unlock an account

    def delete_model(self, request: Any, obj: Any) -> None:
        _audit_removal(request, [obj])
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        _audit_removal(request, list(queryset))
        super().delete_queryset(request, queryset)  # type: ignore[misc]


_REMOVAL_ACTION = {TOTPDevice: "otp_del", AuthToken: "token_del"}


def _audit_removal(request: Any, objects: list[Any]) -> None:
    """An audit row per device removed, token revoked or lockout lifted (action `unlock`)."""
    from core import audit

    for obj in objects:
        user = getattr(obj, "user", None)
        username = user.get_username() if user is not None else getattr(obj, "username", "") or ""
        audit.record_event(_REMOVAL_ACTION.get(type(obj), "unlock"), model="accounts.User",
                           object_id=user.pk if user is not None else "", object_repr=username,
                           division_code=(getattr(user, "division_id", None) or "") if user is not None else "",
                           actor=request.user, source="admin",
                           after={"removed": type(obj)._meta.label, "ip": getattr(obj, "ip_address", "") or ""})


for model, base in ((TOTPDevice, TOTPDeviceAdmin), (AuthToken, AuthTokenAdmin), (AccessAttempt, AccessAttemptAdmin),
                    (AccessLog, AccessLogAdmin), (AccessFailureLog, AccessFailureLogAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(f"Platform{base.__name__}", (SecurityAdminOnly, base), {}))
