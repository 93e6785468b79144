"""Error answers: JSON in the platform's envelope under /api/, a Chinese page everywhere else."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.api.errors import BAD_REQUEST_MESSAGE, CSRF_MESSAGE, body, json_404, json_500


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    """The site's error page (also used by core.middleware for refused page requests)."""
    return render(request, "web/error.html", {"title": title, "message": message}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return json_404(request, exception)
    return page(request, "页面不存在", "页面不存在，或不在您的管辖范围内。", 404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(body("bad_request", BAD_REQUEST_MESSAGE), status=400)
    return HttpResponse(f"<!doctype html><meta charset=utf-8><title>请求有误</title><h1>请求有误</h1>"
                        f"<p>{BAD_REQUEST_MESSAGE}</p>", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(body("permission_denied", "您的角色无权执行此操作"), status=403)
    return page(request, "无权访问", "您的角色无权执行此操作。", 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _is_api(request):
        return JsonResponse(body("csrf_failed", CSRF_MESSAGE), status=403)
    return page(request, "安全校验失败", CSRF_MESSAGE + "。", 403)


def server_error(request: HttpRequest, *args: Any) -> HttpResponse:
    if _is_api(request):
        return json_500(request)
    return page(request, "服务器错误", "服务器内部错误，已记录，请稍后再试。", 500)
