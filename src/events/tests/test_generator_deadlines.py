"""Item 5 of issue 9: the generator adds warned, overdue and escalated events and town calls, in
realistic proportions by default, each row as the sweep and the call services would have written
it — escalations one level up a minute after the escalation time, the new level's centre acting
afterwards, calls answered in time or escalated to the county — and every history still replays
through the transition table."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from events import generator
from events.generator import Mix
from events.lifecycle import StateKind
from events.models import CallDepartment, DeadlineMark, Escalation, Event, Step, TownCall
from events.tests.test_generator import NOW, _world

pytestmark = pytest.mark.django_db
CALLS = Mix(call=0.5, call_missed=0.3, late=0.15)


def test_generated_escalations_marks_and_calls_are_consistent_and_replay() -> None:
    _world()
    generator.generate(days=4, rate=150, seed=3, now=NOW, mix=CALLS)
    events = Event.objects.all()
    assert generator.replay_problems(events) == []
    overdue = Escalation.objects.filter(cause="overdue").select_related("event")
    assert overdue.exists()
    for esc in overdue:
        step = Step.objects.get(event=esc.event, seq=esc.seq)
        assert (step.action, step.level, step.at) == ("escalate", esc.to_level, esc.at)
        assert esc.at == max(esc.due_at + dt.timedelta(minutes=1), step.at) and esc.at <= NOW
    # an escalated event is at the level of its last escalation; one still open and due again is not left behind
    for ev in events.filter(escalations__cause="overdue").distinct():
        assert ev.level == ev.escalations.filter(cause="overdue").order_by("-at").first().to_level
    assert not events.filter(state_kind=StateKind.OPEN, level__in=["town", "county"],
                             escalate_at__lt=NOW - dt.timedelta(minutes=1)).exclude(state="suspended").exists()
    # marks: red only for events open after their deadline, each with a yellow before it
    red = DeadlineMark.objects.filter(colour="red").select_related("event")
    assert red.exists()
    for mark in red:
        assert mark.mark_at == mark.event.due_at and DeadlineMark.objects.filter(event=mark.event, colour="yellow")
    # calls: one row per department with its times; missed ones escalated to the county
    calls = CallDepartment.objects.select_related("call")
    outcomes = Counter(calls.values_list("outcome", flat=True))
    assert outcomes["answered"] and outcomes["unanswered"]
    for row in calls.filter(outcome="answered"):
        assert row.call.at < row.reported_in_at <= row.answered_at <= row.answer_due
    for row in calls.filter(outcome="unanswered"):
        esc = Escalation.objects.get(call_department=row)
        assert (esc.cause, esc.to_level, esc.at, row.escalated_at) == ("call", "county", row.escalated_at, esc.at)
    assert TownCall.objects.count() == Step.objects.filter(action="call").count()


def test_by_default_most_events_are_on_time_a_few_overdue_and_calls_are_a_small_share() -> None:
    _world()
    stats = generator.generate(days=6, rate=150, seed=9, now=NOW)
    closed = Event.objects.filter(state_kind=StateKind.CLOSED)
    late = closed.filter(marks__colour="red").distinct().count()
    assert 0 < late / closed.count() < 0.15, (late, closed.count())
    escalated = Event.objects.filter(escalations__cause="overdue").distinct().count()
    assert 0 < escalated / stats.events < 0.15
    town = Event.objects.filter(steps__action="dispatch", routing__level="town").distinct().count() or stats.events
    assert 0 <= TownCall.objects.count() / town < 0.1
