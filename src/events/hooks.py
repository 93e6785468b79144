"""Seams for part 2 (deadlines, escalation, town calls, duplicates, notifications).

`on_step(fn, writes=...)` registers `fn(event, step)`, called inside the transaction right after a
step is written (the report included), so an outbox row written there commits or rolls back with
the step. `writes(event, step) -> bool` says beforehand whether `fn` would write anything for that
step (the step not yet saved: no ids); without it, `fn` is assumed to write. Intake asks
`step_writes` and, when nobody writes and there are no photos, writes the report as one statement
without a transaction of its own (`core.inserts.insert_with_child`).

`duplicate_candidates(fn)` registers `fn(event) -> list[int]`, asked after intake (part 2's
duplicate check); the answer is returned as `duplicate_of`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: listener → its `writes` predicate (None: assumed to write), in registration order
_step_listeners: dict[Callable[[Any, Any], None], Callable[[Any, Any], bool] | None] = {}
_duplicate_finders: list[Callable[[Any], list[int]]] = []


def on_step(fn: Callable[[Any, Any], None], *,
            writes: Callable[[Any, Any], bool] | None = None) -> Callable[[Any, Any], None]:
    _step_listeners[fn] = writes
    return fn


def step_writes(event: Any, step: Any) -> bool:
    """Whether any listener would write for this (unsaved) step: see the module docstring."""
    return any(writes is None or writes(event, step) for writes in _step_listeners.values())


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
