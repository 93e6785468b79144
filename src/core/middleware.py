from collections.abc import Callable
from typing import Any

from django.middleware.gzip import GZipMiddleware

from core import audit


class AuditActorMiddleware:
    """Attribute page and admin writes to the signed-in user."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        source = "admin" if request.path.startswith("/admin/") else "web"
        if request.path.startswith("/api/"):
            source = "api"  # refined after DRF authentication in core.api.views
        audit.set_actor(getattr(request, "user", None), source)
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Signed-in sessions end after SESSION_IDLE_TIMEOUT seconds without a request (default 30 min)
    and SESSION_ABSOLUTE_LIFETIME seconds after sign-in (default 12 h), whatever the activity.

    The last-seen time is written at most once a minute (a session save per request would be a
    database write per page). An ended session is flushed (the API tokens of the account stay: they
    have their own expiry) and audited as a `logout` with reason `timeout`; a page request is sent to
    the sign-in page with `?timeout=1`, an API request continues as anonymous (401/403). A request
    carrying `X-Background-Refresh: 1` (a screen polling by itself) is served but does not count as
    activity.
    """

    TOUCH_EVERY = 60
    # A screen's own refresh (the command screen's poll) sends this header: it is not user activity,
    # so a wall display left alone still times out (issue 10 item 1).
    BACKGROUND_HEADER = "X-Background-Refresh"

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        import time

        from django.conf import settings

        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is None or user is None or not user.is_authenticated:
            return self.get_response(request)
        now = int(time.time())
        started = session.get("_auth_at")
        seen = session.get("_seen_at")
        idle = int(getattr(settings, "SESSION_IDLE_TIMEOUT", 1800))
        lifetime = int(getattr(settings, "SESSION_ABSOLUTE_LIFETIME", 43200))
        if started is None:
            session["_auth_at"] = started = now
        if (seen is not None and now - seen > idle) or now - started > lifetime:
            return self._expire(request, user, "idle" if seen is not None and now - seen > idle else "lifetime")
        if (seen is None or now - seen >= self.TOUCH_EVERY) and not request.headers.get(self.BACKGROUND_HEADER):
            session["_seen_at"] = now
        return self.get_response(request)

    def _expire(self, request: Any, user: Any, why: str) -> Any:
        from urllib.parse import urlencode

        from django.conf import settings
        from django.contrib.auth.models import AnonymousUser
        from django.http import HttpResponseRedirect

        audit.record_event("logout", model=user._meta.label, object_id=user.pk, object_repr=user.get_username(),
                           division_code=getattr(user, "division_id", None) or "", actor=user,
                           source="api" if request.path.startswith("/api/") else "web",
                           after={"timeout": why})
        request.session.flush()
        request.user = AnonymousUser()
        if request.path.startswith("/api/") or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        query = urlencode({"next": request.get_full_path(), "timeout": "1"})
        return HttpResponseRedirect(f"{settings.LOGIN_URL}?{query}")


class JsonGZipMiddleware(GZipMiddleware):
    """Compress JSON answers only (map layers, long lists). HTML pages carry CSRF tokens and stay
    uncompressed (BREACH); static files are compressed by WhiteNoise."""

    def process_response(self, request: Any, response: Any) -> Any:
        if not response.get("Content-Type", "").startswith(("application/json", "application/geo+json")):
            return response
        return super().process_response(request, response)


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user chose another language with the switch (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
    browser on a government PC would get English; the platform's default is zh-Hans (DESIGN §2).
    """

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
