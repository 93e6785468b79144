"""Account pages: the TOTP step (and enrolment), the password change, the account's security page."""
from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.security import EXPIRED, has_totp, is_administrator, password_change_reason
from accounts.signals import user_event


def _next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return default
    return target


def _qr_data_uri(device: Any) -> str:
    """The otpauth:// URL as a QR code (an SVG data URI: no outside request, allowed by the CSP)."""
    import segno

    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5))


@login_required
def otp(request: HttpRequest) -> HttpResponse:
    """The TOTP step after the password: enter a code; without a confirmed device, enrol one first
    (QR code and key for an authenticator app, confirmed by one code)."""
    from django_otp import login as otp_login
    from django_otp import match_token
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user: Any = request.user
    target = _next(request)
    error = ""
    if has_totp(user):
        if request.method == "POST":
            device = match_token(user, request.POST.get("otp_token", "").strip())
            if device is not None:
                otp_login(request, device)
                return HttpResponseRedirect(target)
            user_event("otp_fail", user, request, step="sign-in")
            error = "动态口令不正确，请重新输入。"
        return render(request, "accounts/otp_verify.html", {"next": target, "error": error})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if request.method == "POST" and device is not None:
        if services.totp_device_confirm(user=user, device=device, token=request.POST.get("otp_token", ""),
                                        request=request):
            otp_login(request, device)
            messages.success(request, "动态口令已绑定。以后登录时须输入动态口令。")
            return HttpResponseRedirect(target)
        error = "动态口令不正确，请确认手机时间准确后重新输入。"
    if device is None:
        device = services.totp_device_start(user=user)
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/otp_setup.html", {
        "next": target, "error": error, "secret": key, "qr": _qr_data_uri(device),
        "required": is_administrator(user)})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change the account's own password (policy: length, character classes, common list, history)."""
    user: Any = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # the policy was checked by the form; accounts.signals records history, revokes tokens, audits
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改，原有的 API 令牌均已失效。")
        return HttpResponseRedirect(_next(request, reverse("accounts:security")))
    reason = password_change_reason(user)
    return render(request, "accounts/password_change.html", {
        "form": form, "next": _next(request, ""), "reason": reason, "expired": reason == EXPIRED})


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The account's own security: TOTP, password age, live API tokens."""
    user: Any = request.user
    return render(request, "accounts/security.html", {
        "has_totp": has_totp(user), "otp_required": is_administrator(user),
        "tokens": selectors.live_tokens(user=user), "recent": selectors.recent_sign_ins(user=user)})


@login_required
@require_POST
def tokens_revoke(request: HttpRequest) -> HttpResponse:
    revoked = services.tokens_revoke_all(user=request.user, request=request, reason="revoke")  # type: ignore[arg-type]
    messages.success(request, f"已吊销 {revoked} 个 API 令牌。")
    return HttpResponseRedirect(reverse("accounts:security"))
