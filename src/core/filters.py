"""Division parameters shared by every list: one validation, one subtree filter."""
from __future__ import annotations

from typing import Any

import django_filters

from core.errors import PlatformError
from core.scoping import code_prefix


def require_division_code(value: Any, field: str = "division", code: str = "invalid") -> str:
    """`value` if it is a 12-digit division code, else a 400 naming the parameter."""
    if not (isinstance(value, str) and value.isdigit() and len(value) == 12):
        raise PlatformError(f"{field} 必须是 12 位区划代码", code=code, fields={field: ["必须是 12 位区划代码"]})
    return value


class SubtreeFilter(django_filters.CharFilter):
    """`?<name>=<12-digit code>`: rows in that division's subtree, on top of the user's scope."""

    def filter(self, qs, value):  # noqa: ANN001, ANN201
        if not value:
            return qs
        prefix = code_prefix(require_division_code(value, self.field_name))
        return qs.filter(**{f"{qs.model.scope_lookup}__startswith": prefix})
