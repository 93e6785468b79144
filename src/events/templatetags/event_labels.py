"""Chinese labels for lifecycle codes on pages (states and actions are stored as codes)."""
from __future__ import annotations

from django import template

from events import lifecycle

register = template.Library()
_STATES = dict(lifecycle.State.choices)
_ACTIONS = dict(lifecycle.Action.choices)
_OUTCOMES = dict(lifecycle.Outcome.choices)


@register.filter
def state_label(code: str) -> str:
    """'reported' → '待受理'; an empty code (the first step has no state before it) → '—'."""
    return str(_STATES.get(code, code)) if code else "—"


@register.filter
def action_label(code: str) -> str:
    """'accept' → '受理'."""
    return str(_ACTIONS.get(code, code))


@register.filter
def outcome_label(code: str) -> str:
    """'failed' → '核查不通过（返工）'."""
    return str(_OUTCOMES.get(code, code))
