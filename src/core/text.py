"""Text as people type it: one normalisation wherever the platform matches names.

Officials' files mix full-width and half-width forms (乡(镇) and 乡（镇）), stray spaces and
line breaks in headers. Every name comparison goes through `normalize_text` (Unicode NFKC,
UAX #15), so the same text typed two ways is the same text.
"""
from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_text(value: object) -> str:
    """NFKC-normalised, trimmed, inner whitespace collapsed to one space; None → ''.

    '乡（镇）' and '乡(镇)' both become '乡(镇)'; ' 事项\n名称 ' becomes '事项 名称'.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACE.sub(" ", text).strip()


def normalize_key(value: object) -> str:
    """`normalize_text` with every whitespace removed: for matching headers and names where
    spaces and line breaks carry no meaning ('事项\\n名称' == '事项名称')."""
    return _SPACE.sub("", normalize_text(value))
