"""Division parameters shared by every list: one validation, one subtree filter."""
from __future__ import annotations

from typing import Any

import django_filters
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend

from core.errors import PlatformError
from core.scoping import code_prefix, is_scoped_model


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


def _restricted_queryset(original: Any) -> Any:
    """A django-filter `queryset` argument that yields only the rows the request's user can see."""

    def visible(request: Any) -> Any:
        queryset = original(request) if callable(original) else original
        if queryset is None or not is_scoped_model(queryset.model):
            return queryset
        return queryset.visible_to(getattr(request, "user", None))  # no request: no user, no rows

    visible.restricted = True  # type: ignore[attr-defined]
    return visible


def restrict_filter_choices(filterset: Any) -> Any:
    """Restricts every related-row filter of `filterset` (one instance) to `visible_to(request.user)`.

    Covers django-filter's ModelChoiceFilter and ModelMultipleChoiceFilter, declared or generated
    from `Meta.fields`: their dropdowns (the browsable API's filter form, the pages) list only the
    user's rows, and `?grid=<another town's id>` is refused exactly like an id that does not
    exist ("选择一个有效的选项"). Returns the filterset.
    """
    for f in filterset.filters.values():
        if isinstance(f, QuerySetRequestMixin) and not getattr(f.queryset, "restricted", False):
            f.queryset = _restricted_queryset(f.queryset)
    return filterset


class ScopedFilterSet(django_filters.FilterSet):
    """The base of every filterset: related-row choices pass through `visible_to(request.user)`.

    Pass `request=` when building one (the API backend does); without a request the related
    filters offer no rows at all.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_filter_choices(self)


class ScopedFilterBackend(DjangoFilterBackend):
    """The API's filter backend: any filterset, even one not derived from ScopedFilterSet, is
    restricted to the user's rows (filtering and the browsable API's HTML filter form alike)."""

    def get_filterset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        return restrict_filter_choices(filterset) if filterset is not None else None
