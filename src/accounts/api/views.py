"""Token sign-in and sign-out for API clients (django-rest-knox tokens; see accounts.services)."""
from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.lockout import lockout_message
from accounts.security import has_totp, is_administrator, password_change_reason
from accounts.signals import user_event
from core import audit
from core.api.views import PlatformAPIView
from core.errors import NotAllowed, PlatformError


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp_token = serializers.CharField(max_length=16, required=False, allow_blank=True,
                                      help_text="动态口令（已绑定 TOTP 的账号必填）")


class TokenView(PlatformAPIView):
    """`POST {"username", "password"}` → `{"token", "expiry"}`; then send `Authorization: Token <token>`.

    Each call issues a new token for one client (stored hashed, expiring). Accounts with a TOTP
    device also send `otp_token`. Refused: wrong credentials (400), a locked account or address
    (429, Chinese message), an administrator without TOTP, a password that must be changed first (403).
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer,
                   responses=inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                                 "expiry": serializers.DateTimeField()}))
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        audit.set_actor(None, "api")
        user = authenticate(django_request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if getattr(django_request, "axes_locked_out", False):
            raise PlatformError(lockout_message(), code="locked_out", status=429)
        if user is None or not user.is_active:
            raise PlatformError("用户名或密码不正确", code="authentication_failed", status=400)
        if has_totp(user):
            from django_otp import match_token

            code = (data.validated_data.get("otp_token") or "").strip()
            if not code or match_token(user, code) is None:
                user_event("otp_fail", user, request, step="token")
                raise PlatformError("请提供正确的动态口令", code="otp_required", status=400,
                                    fields={"otp_token": ["动态口令不正确或未提供"]})
        elif is_administrator(user):
            raise NotAllowed("管理员须先在网页上绑定动态口令（TOTP）", code="otp_setup_required")
        if password_change_reason(user):
            raise NotAllowed("请先在网页上修改初始密码或已过期的密码", code="password_change_required")
        instance, token = services.token_issue(user=user, request=django_request)
        # the sign-in signal: audit row "login", last_login, and axes clears the failure count
        user_logged_in.send(sender=type(user), request=django_request, user=user)
        return Response({"token": token, "expiry": instance.expiry})


class LogoutView(PlatformAPIView):
    """`POST` revokes every API token of the caller (as signing out of the site does)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=inline_serializer("LogoutResponse", {"revoked": serializers.IntegerField()}))
    def post(self, request: Request) -> Response:
        user: Any = request.user
        audit.set_actor(user, "api")
        revoked = services.tokens_revoke_all(user=user, request=request, reason="logout")
        user_event("logout", user, request, actor=user, tokens_revoked=revoked)
        return Response({"revoked": revoked}, status=status.HTTP_200_OK)


class MeView(PlatformAPIView):
    """The signed-in user's division, unit and roles."""

    @extend_schema(responses=inline_serializer("Me", {
        "username": serializers.CharField(), "division": serializers.CharField(allow_null=True),
        "roles": serializers.ListField(child=serializers.CharField())}))
    def get(self, request: Request) -> Response:
        u: Any = request.user
        return Response({"username": u.username, "display_name": str(u), "division": u.division_id,
                         "unit": u.unit_id, "roles": u.roles, "is_superuser": u.is_superuser})
