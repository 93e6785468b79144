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


# Bidirectional controls can make a name display as something else (CVE-2021-42574, "Trojan
# Source"); zero-width characters can make a name look empty or identical to another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be a name or text people read, in Chinese; None when it is fine.

    Refused: bidirectional override/isolate characters anywhere, and a non-empty value made
    only of zero-width characters and spaces.
    """
    if any(ch in BIDI_CONTROLS for ch in value):
        return "不能包含双向文本控制字符"
    if value and all(ch in INVISIBLE or ch.isspace() for ch in value):
        return "不能只由空白或不可见字符组成"
    if "\x00" in value:
        return "不能包含空字符"
    return None


# Punctuation that Chinese text writes full-width: NFKC folds these to ASCII, a stored name keeps them.
_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "!": "！", "?": "？"})


def search_variants(value: object) -> list[str]:
    """The forms to look for when a database search (`icontains`) cannot normalise the stored side:
    the query as typed (trimmed), its `normalize_text` form and that form with Chinese punctuation
    full-width, without repeats. '乡(镇)' → ['乡(镇)', '乡（镇）']; '' → []."""
    typed = " ".join(str(value or "").split())
    base = normalize_text(typed)
    out: list[str] = []
    for v in (typed, base, base.translate(_FULL_WIDTH)):
        if v and v not in out:
            out.append(v)
    return out
