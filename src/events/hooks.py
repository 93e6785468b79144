"""Seams for part 2 (deadlines, escalation, town calls, duplicates, notifications).

`on_step(fn)` registers `fn(event, step)`, called inside the transaction right after a step is
written (the report included), so an outbox row written there commits or rolls back with the
step. `duplicate_candidates(fn)` registers `fn(event) -> list[int]`, asked after intake (part 2's
duplicate check); the answer is returned as `duplicate_of`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

_step_listeners: list[Callable[[Any, Any], None]] = []
_duplicate_finders: list[Callable[[Any], list[int]]] = []


def on_step(fn: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    if fn not in _step_listeners:
        _step_listeners.append(fn)
    return fn


def duplicate_candidates(fn: Callable[[Any], list[int]]) -> Callable[[Any], list[int]]:
    if fn not in _duplicate_finders:
        _duplicate_finders.append(fn)
    return fn


def step_written(event: Any, step: Any) -> None:
    for fn in _step_listeners:
        fn(event, step)


def duplicates_of(event: Any) -> list[int]:
    found: list[int] = []
    for fn in _duplicate_finders:
        found.extend(i for i in fn(event) if i not in found)
    return found
