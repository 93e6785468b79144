"""JSON bodies parsed with a nesting limit: deeply nested input is a 400, never a RecursionError."""
from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # no platform payload nests deeper than a GeoJSON MultiPolygon (5)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of `value`, iteratively (a recursive walk could itself overflow)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class PlatformJSONParser(JSONParser):
    """DRF's JSON parser, refusing input nested deeper than `MAX_DEPTH` with a Chinese message."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("请求体嵌套层数过多") from None
        if _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(f"请求体嵌套层数超过 {MAX_DEPTH} 层")
        return data
