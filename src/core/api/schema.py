"""The OpenAPI document tells the truth about errors (issue 11 item 10).

Every API error is the envelope of `core.api.errors` — `{"error": {"code", "message", "fields"}}` —
whatever the operation, so the schema says so once: `document_errors` (a drf-spectacular
postprocessing hook, `SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`) adds the `ErrorEnvelope`
component and, to every operation, the error answers it can give:

- 400 bad input (query, body, page), 401 no or a bad token, 403 role or password-change hold,
  404 not found or outside the user's scope, 500 a bug (logged; the same envelope) — every operation;
- 409 a conflict (concurrent step, state) — every write;
- 413 body over the size limit, 415 a content type the operation does not take — every operation
  with a body;
- 429 too many attempts — the sign-in endpoint (lockout) and the key endpoints (rate per minute).

`PlatformAutoSchema` (the `DEFAULT_SCHEMA_CLASS`) documents a serializer field as nullable, or a
choice field as also taking "", when the model column behind it can hold that — DRF drops
`allow_null`/`allow_blank` from read-only model fields, and a field read through a nullable
relation (`source="department.name"`) is null whenever the relation is.

An answer the view documents itself (an `extend_schema(responses={404: …})`) is kept.
`web/tests/test_api_schema.py` holds the whole document to this with schemathesis.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "description": "Every API error: a machine code, a Chinese message, and per-field messages.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "machine code, e.g. `invalid`, `not_found`"},
                "message": {"type": "string", "description": "what went wrong, in Chinese"},
                "fields": {
                    "type": "object",
                    "description": "field name → its messages (a list of strings); a service may add "
                                   "structured hints under other keys (e.g. `expected`)",
                    "additionalProperties": {},
                },
            },
        },
    },
}

DESCRIPTIONS = {
    "400": "请求有误（参数、请求体或页码不合法）",
    "401": "未登录或令牌无效、已过期、已吊销",
    "403": "角色无权执行此操作（或须先修改密码）",
    "404": "对象不存在或不在您的管辖范围内",
    "409": "状态冲突（已被他人同时办理、状态不允许）",
    "413": "请求体超过大小限制",
    "415": "不支持的请求内容类型",
    "429": "尝试过多或超过调用频率",
    "500": "服务器内部错误（已记录）",
}
ALWAYS = ("400", "401", "403", "404", "500")
WRITES = ("409",)
WITH_BODY = ("413", "415")
THROTTLED = ("429",)
THROTTLED_PREFIXES = ("/api/auth/token/", "/api/sharing/v1/")
METHODS = ("get", "put", "patch", "post", "delete")

# A file download: what each `type` (or `format`) answers.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_RESPONSES: dict[Any, Any] = {(200, "text/csv"): bytes, (200, XLSX): bytes, (200, "application/geo+json"): dict}
EXPORT_TYPE = OpenApiParameter("type", str, enum=["csv", "xlsx", "geojson"], description="file type (default csv)")


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses an operation can answer, by the rules in the module docstring."""
    statuses = list(ALWAYS)
    if method != "get":
        statuses += WRITES
    if "requestBody" in operation:
        statuses += WITH_BODY
    if path.startswith(THROTTLED_PREFIXES):
        statuses += THROTTLED
    return sorted(statuses)


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the error envelope on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorEnvelope"] = ERROR_ENVELOPE
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, item in result.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(path, method, operation):
                responses.setdefault(status, {"description": DESCRIPTIONS[status],
                                              "content": {"application/json": {"schema": ref}}})
    return result


def source_model_field(model: Any, source: str) -> tuple[Any, bool]:
    """The model field at the end of a serializer `source` path and whether any relation on the
    way may be missing. `(None, False)` when the path leaves the model's fields (a property)."""
    through_nullable = False
    parts = source.split(".")
    for i, name in enumerate(parts):
        try:
            field = model._meta.get_field(name)
        except (FieldDoesNotExist, AttributeError):
            return None, False
        if i == len(parts) - 1:
            return field, through_nullable
        if not field.is_relation or field.related_model is None:
            return None, False
        if getattr(field, "null", False) or field.one_to_one and field.auto_created:
            through_nullable = True
        model = field.related_model
    return None, False


def paginated(action: Any) -> Any:
    """Marks a viewset action (other than `list`) that answers the paginated object."""
    action.platform_paginated = True
    return action


class PlatformAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with nullability and blank choices taken from the model, and
    pagination documented only where it happens: a viewset's `list` and actions marked `@paginated`
    (spectacular would wrap every action answering a list in the paginated object)."""

    def _get_paginator(self) -> Any:
        action = getattr(self.view, "action", None)
        if action not in (None, "list") and not getattr(getattr(self.view, action, None), "platform_paginated", False):
            return None
        return super()._get_paginator()

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> Any:
        parent = getattr(field, "parent", None)
        model = getattr(getattr(parent, "Meta", None), "model", None)
        source = getattr(field, "source", None)
        if model is not None and source and source != "*" and not isinstance(field, serializers.SerializerMethodField):
            model_field, through_nullable = source_model_field(model, source)
            if model_field is not None and (through_nullable or getattr(model_field, "null", False)):
                field.allow_null = True
            if (model_field is not None and getattr(model_field, "blank", False) and getattr(model_field, "choices", None)
                    and isinstance(field, serializers.ChoiceField)):
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)


def page_of(name: str, item: Any, *, numbered: bool = False) -> Any:
    """The documented shape of a list a plain API view answers whole as `{"count", "results"}`
    (`numbered`: also `page` and `page_size`), for `extend_schema(responses=...)`."""
    from drf_spectacular.utils import inline_serializer

    fields: dict[str, Any] = {"count": serializers.IntegerField(), "results": item(many=True)}
    if numbered:
        fields.update(page=serializers.IntegerField(), page_size=serializers.IntegerField())
    return inline_serializer(name, fields=fields)
