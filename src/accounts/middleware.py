"""Before any page: the TOTP step and a forced password change (issue 11).

For a signed-in session (not an API token: a token is only issued once both are satisfied):
1. an account that needs TOTP and has not passed it this session goes to the TOTP step
   (`/account/otp/`), where an administrator without a device enrols one first;
2. an initial, reset or expired password goes to the password change page.
Only the sign-in/out, TOTP, password and language pages and static files are reachable until then;
an API request answers 403 in the platform's error envelope.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from accounts.security import otp_satisfied, password_change_reason

OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz", "/login/", "/logout/", "/favicon.ico")
OTP_PAGE = "/account/otp/"
PASSWORD_PAGE = "/account/password/"


class AccountSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        path = request.path
        if user is None or not user.is_authenticated or path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        if path.startswith(OTP_PAGE):
            return self.get_response(request)
        if not otp_satisfied(request):  # the second factor first, even before a password change
            return self._refuse(request, "accounts:otp", "otp_required", "请先完成动态口令（TOTP）验证")
        if path.startswith(PASSWORD_PAGE):
            return self.get_response(request)
        if password_change_reason(user):
            return self._refuse(request, "accounts:password-change", "password_change_required",
                                "请先修改初始密码或已过期的密码")
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, url_name: str, code: str, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=403)
        return HttpResponseRedirect(reverse(url_name) + "?" + urlencode({"next": request.get_full_path()}))
