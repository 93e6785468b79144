from typing import Any, Callable

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
