"""The admin site: reachable by staff; administrators (三员, superusers) only after TOTP.

Its own login page is not used: `/admin/login/` sends the browser to the platform's sign-in
(lockout, password policy and the TOTP step apply there), then back.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class PlatformAdminSite(admin.AdminSite):
    site_header = "基层治理一体化平台 管理"
    site_title = "平台管理"
    index_title = "管理"

    def has_permission(self, request: HttpRequest) -> bool:
        from accounts.security import otp_satisfied

        user: Any = request.user
        return bool(user.is_active and user.is_staff and otp_satisfied(request))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(reverse("web:login") + "?" + urlencode({"next": target}))


class PlatformAdminConfig(AdminConfig):
    """django.contrib.admin with the platform's site (INSTALLED_APPS names this instead)."""

    default_site = "accounts.admin_site.PlatformAdminSite"
