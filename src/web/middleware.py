"""Refusals on pages and API addresses that lack their trailing slash, answered in Chinese."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

from core.api.errors import body
from core.errors import PlatformError


class PlatformErrorPageMiddleware:
    """A domain refusal (`PlatformError`) raised by a page view is the page's 4xx with its
    Chinese message, not a 500 (the API has its own handler, core.api.errors)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PlatformError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(body(exception.code, exception.message, exception.fields), status=exception.status)
        from web.views.errors import page

        return page(request, "无法完成请求", exception.message, exception.status)


class ApiTrailingSlashMiddleware:
    """`POST /api/org/units` (no trailing slash): Django's APPEND_SLASH cannot redirect a POST
    without losing its body, so the API answers a 404 in its envelope naming the right address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        path = request.path_info
        if path.startswith("/api/") and not path.endswith("/") and request.method not in ("GET", "HEAD"):
            try:
                resolve(path)
            except Resolver404:
                try:
                    resolve(path + "/")
                except Resolver404:
                    pass
                else:
                    return JsonResponse(body("not_found", f"接口地址应以 / 结尾：{path}/"), status=404)
        return self.get_response(request)
