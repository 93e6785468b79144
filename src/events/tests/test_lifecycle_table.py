"""The declared transition table, walked in memory and through the django-fsm methods built from it."""
from __future__ import annotations

import pytest
from django_fsm import TransitionNotAllowed

from events import lifecycle
from events.lifecycle import KIND, IllegalTransition, State, StateKind
from events.models import Event


def test_every_state_is_typed_open_closed_or_void() -> None:
    assert set(KIND) == set(State.values)
    assert KIND[State.REJECTED] == KIND[State.WITHDRAWN] == KIND[State.MERGED] == StateKind.VOID
    assert KIND[State.CLOSED] == KIND[State.RATED] == StateKind.CLOSED


def test_main_path_and_exceptions_replay() -> None:
    path = [("accept", ""), ("file", ""), ("dispatch", ""), ("return", ""), ("dispatch", ""),
            ("extend", "requested"), ("extend", "approved"), ("suspend", ""), ("resume", ""),
            ("supervise", ""), ("feedback", ""), ("verify", "failed"), ("feedback", ""),
            ("verify", "passed"), ("close", ""), ("rate", "")]
    states = lifecycle.replay(path)
    assert states[-1] == State.RATED
    assert states[states.index(State.SUSPENDED) + 1] == State.DISPATCHED  # resume goes back where it was
    assert states[12] == State.DISPATCHED  # a failed verification returns to handling


@pytest.mark.parametrize("path", [
    [("file", "")],                                   # 立案 before 受理
    [("accept", ""), ("file", ""), ("withdraw", "")],  # 撤销 only before 立案
    [("accept", ""), ("file", ""), ("dispatch", ""), ("close", "")],
    [("reject", ""), ("accept", "")],                 # a void event stays void
    [("accept", ""), ("file", ""), ("dispatch", ""), ("feedback", ""), ("verify", "maybe")],
])
def test_illegal_paths_are_refused(path: list[tuple[str, str]]) -> None:
    with pytest.raises(IllegalTransition):
        lifecycle.replay(path)


def test_fsm_methods_follow_the_table() -> None:
    event = Event(state=State.HANDLED)
    assert event.available_actions() == lifecycle.actions_from(State.HANDLED)
    event.take("verify", "failed")
    assert event.state == State.DISPATCHED
    event.take("suspend")
    assert event.state == State.SUSPENDED
    event.suspended_from = State.DISPATCHED
    event.take("resume")
    assert event.state == State.DISPATCHED
    event.take("supervise")
    assert event.state == State.DISPATCHED
    with pytest.raises(TransitionNotAllowed):
        event.take("close")


def test_every_api_verb_has_a_method() -> None:
    assert set(lifecycle.ACTIONS) == {"accept", "reject", "file", "dispatch", "return", "feedback", "verify", "close",
                                      "rate", "extend", "suspend", "resume", "supervise", "merge", "withdraw",
                                      "clear-duplicate", "call", "report-in", "answer"}
    for action in lifecycle.ACTIONS:
        assert callable(getattr(Event, lifecycle.method_name(action)))
