"""django-axes hooks: the client address behind trusted proxies and the Chinese lockout answer."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The client's address: the socket peer, or with TRUSTED_PROXY_COUNT = n the n-th address from
    the right of X-Forwarded-For (what the outermost trusted proxy saw)."""
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if count <= 0:
        return remote
    chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    return chain[-count] if len(chain) >= count else remote


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (f"登录失败次数过多，该账号或来源地址已被锁定 {minutes} 分钟，请稍后再试；"
            "如需提前解锁请联系安全管理员。")


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the API's error envelope, or the sign-in page with the message."""
    status = int(getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked_out", "message": lockout_message(), "fields": {}}},
                            status=status)
    from django.contrib.auth.forms import AuthenticationForm

    form = AuthenticationForm(request)
    return render(request, "registration/login.html", {"form": form, "locked_message": lockout_message()},
                  status=status)
