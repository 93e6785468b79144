"""`page` and `page_size` (1 to 2,000), answering `count` and `results`."""
from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 2000


class PageNotFound(NotFound):
    """A page past the end: a 404 that says so, in its own words and code (DRF's bare NotFound
    reads as "not found or not in your scope", which would mislead here)."""

    default_detail = "页码超出范围"
    default_code = "page_not_found"


class PlatformPagination(PageNumberPagination):
    """A `page_size` outside 1…2,000 or not a whole number is a 400 naming the field (DRF would
    silently fall back to the default, and SQLite refuses huge IN lists built from it)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        # isdecimal, not isdigit: '²' is a digit that int() refuses (a 500 before this check)
        if not raw.isdecimal() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": [f"每页条数须为 1 到 {MAX_PAGE_SIZE} 之间的整数"]})
        return int(raw)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        """A `page` that is not a whole number ≥ 1 (or 'last') is a 400 naming the field; a page past
        the end is a 404 that says so (DRF's message would read as "not in your scope")."""
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", *self.last_page_strings) and (not raw.isdecimal() or int(raw) < 1):
            raise ValidationError({"page": ["页码须为不小于 1 的整数"]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise PageNotFound() from None
