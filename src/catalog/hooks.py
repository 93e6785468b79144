"""Extension points that higher layers fill in (catalog never imports them).

`register_open_work(fn)`: fn(item_code: str, division_code: str) -> list[dict] returns the open
work (e.g. open cases 办件) on an item in a division's subtree; a return (退还) lists them in its
hand-over plan. The flows app registers its provider in its AppConfig.ready().
"""
from __future__ import annotations

from collections.abc import Callable

OpenWorkProvider = Callable[[str, str], list[dict]]
_providers: list[OpenWorkProvider] = []


def register_open_work(fn: OpenWorkProvider) -> OpenWorkProvider:
    if fn not in _providers:
        _providers.append(fn)
    return fn


def open_work(item_code: str, division_code: str) -> list[dict]:
    out: list[dict] = []
    for fn in _providers:
        out.extend(fn(item_code, division_code))
    return out
