"""Every API error is `{"error": {"code", "message", "fields"}}`.

The platform's own refusals (`core.errors.PlatformError`), DRF's exceptions, Http404,
PermissionDenied and Django's ValidationError are the client's fault: a 4xx with a Chinese
message. Anything else — ValueError, TypeError, IntegrityError included — is a bug: it is
logged with its traceback and answered as a 500 in the same envelope, so it is seen and fixed
instead of being passed off as bad input.
"""
from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from core.errors import PlatformError

log = logging.getLogger(__name__)

MESSAGES = {
    "not_found": "对象不存在或不在您的管辖范围内",
    "not_authenticated": "请先登录或提供有效的令牌",
    "authentication_failed": "用户名、密码或令牌不正确",
    "permission_denied": "您的角色无权执行此操作",
    "parse_error": "请求体不是合法的 JSON",
    "method_not_allowed": "不支持此请求方法",
    "unsupported_media_type": "不支持的请求内容类型",
    "throttled": "请求过于频繁",
    "invalid": "请求数据有误",
}


CSRF_MESSAGE = "安全校验失败（CSRF 令牌缺失或已过期），请刷新页面后重试"
BAD_REQUEST_MESSAGE = "请求不合法（地址、主机名或请求内容有误）"


def body(code: str, message: str, fields: dict | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, (list, tuple)):
                out[str(key)] = [str(v) if not isinstance(v, (dict, list)) else str(v) for v in value]
            else:
                out[str(key)] = [str(value)]
        return out
    if isinstance(detail, (list, tuple)):
        return {"non_field_errors": [str(d) for d in detail]}
    return {}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, PlatformError):
        return Response(body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(body("too_large", "请求体超过大小限制"), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        # a DELETE of a row other rows still point at: the client's conflict, never a 500
        return Response(body("in_use", "该对象仍被其他记录引用，不能删除；请先处理引用它的记录"),
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, SuspiciousOperation):
        return Response(body("bad_request", "请求不合法"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(body("invalid", "请求数据有误", fields), status=status.HTTP_400_BAD_REQUEST)

    response = drf_handler(exc, context)
    if response is None:
        view = context.get("view")
        log.error("unhandled error in %s", type(view).__name__ if view else "API", exc_info=exc)
        return Response(body("server_error", "服务器内部错误，已记录，请稍后再试"),
                        status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = MESSAGES["invalid"]
        if list(fields) == ["non_field_errors"]:
            message = "；".join(fields["non_field_errors"])
        response.data = body("invalid", message, fields)
    else:
        detail = getattr(exc, "detail", "")
        message = MESSAGES.get(code) or str(detail)
        if isinstance(exc, exceptions.PermissionDenied) and str(detail).startswith("CSRF Failed"):
            message = CSRF_MESSAGE
        elif isinstance(exc, exceptions.PermissionDenied) and str(detail) != exceptions.PermissionDenied.default_detail:
            message = str(detail)
        response.data = body(code, message)
    return response


def json_404(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(body("not_found", "接口不存在"), status=404)


def json_500(request: Any) -> JsonResponse:
    return JsonResponse(body("server_error", "服务器内部错误"), status=500)
