"""Serializer fields shared by every app's API (query parameters and bodies alike)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.errors import PlatformError
from core.forms import DATE_MAX, DATE_MIN


class PlatformDateField(serializers.DateField):
    """A YYYY-MM-DD date within DATE_MIN…DATE_MAX (2000-01-01…2099-12-31 by default).

    'yesterday', '2026-02-30' and a date like 0001-01-01 or 9999-12-31 (whose arithmetic would
    overflow downstream) are a 400 naming the field, in Chinese.
    """

    default_error_messages = {  # noqa: RUF012 - DRF merges these per class
        "invalid": _("日期格式应为 YYYY-MM-DD（如 2026-03-02）"),
        "datetime": _("应为日期（YYYY-MM-DD），不是日期时间"),
        "out_of_range": _("日期须在 {min} 至 {max} 之间"),
    }

    def __init__(self, *, min_date: dt.date = DATE_MIN, max_date: dt.date = DATE_MAX, **kwargs: Any) -> None:
        self.min_date, self.max_date = min_date, max_date
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.date:
        date = super().to_internal_value(value)
        if not (self.min_date <= date <= self.max_date):
            self.fail("out_of_range", min=self.min_date.isoformat(), max=self.max_date.isoformat())
        return date


class DivisionCodeField(serializers.RegexField):
    """A 12-digit division code (统计用区划代码)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": _("须为 12 位区划代码")})
        super().__init__(r"^\d{12}$", max_length=12, **kwargs)


class PlatformDatesMixin:
    """For a ModelSerializer: model DateFields become `PlatformDateField` (bounded, Chinese errors)."""

    serializer_field_mapping = {  # noqa: RUF012 - DRF reads this class attribute
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: PlatformDateField,
    }


def validated_query(serializer_class: type[serializers.Serializer], request: Any) -> dict[str, Any]:
    """The request's query parameters validated by `serializer_class`, or a 400 that names them.

    The message lists every parameter at fault with its reason ("page_size：page_size 不能超过
    2000"), so a client sees what to fix without reading `fields`.
    """
    query = serializer_class(data=request.query_params)
    if query.is_valid():
        return dict(query.validated_data)
    fields = {name: [str(e) for e in (errs if isinstance(errs, list) else [errs])]
              for name, errs in query.errors.items()}
    message = "；".join(f"{name}：{'，'.join(errs)}" for name, errs in fields.items())
    raise PlatformError(f"查询参数有误：{message}", code="invalid", fields=fields)


def parse_day(value: Any, name: str, default: dt.date | None = None) -> dt.date | None:
    """A YYYY-MM-DD parameter (query, form or body value) as a date, by `PlatformDateField`'s rule.

    Empty or missing → `default`. Anything else that is not a real date within 2000-01-01…2099-12-31
    ('2024-13-01', 'yesterday', 9999-12-31) → `PlatformError` (400) naming `name`; never the
    ValueError `django.utils.dateparse.parse_date` raises for a well-formed impossible date.
    """
    if value is None or value == "":
        return default
    try:
        return PlatformDateField().run_validation(str(value))
    except serializers.ValidationError as exc:
        messages = [str(m) for m in exc.detail] if isinstance(exc.detail, list) else [str(exc.detail)]
        raise PlatformError(f"{name}：{'；'.join(messages)}", code="bad_date", fields={name: messages})


def body_object(request: Any) -> Any:
    """The request body as a mapping (a JSON object, or form fields); any other JSON value
    (`true`, a list, a number) is a 400 — a view reading `request.data.get(...)` never meets one."""
    from collections.abc import Mapping

    data = request.data
    if not isinstance(data, Mapping):
        raise serializers.ValidationError({"non_field_errors": ["请求体须为 JSON 对象（{...}）"]})
    return data
