"""Issue 9 acceptance, with hand-written timestamps: "an event reported 2026-02-13 16:00 with a
4-working-hour limit turns yellow at 80 % of the working time and red after 2026-02-14 11:00, and a
挂起 of one working hour moves both by that hour." 2026-02-13 is a Friday (16:00–17:30: 1.5 working
hours); 2026-02-14, a Saturday, is a make-up working day (春节调休), so the 4 hours end there at 11:00
(08:30 + 2.5 h) and 80 % (3.2 h) falls at 10:12. Also: the red mark escalates once, the marks and the
escalation are rows, and the sweep writes them once however often it runs."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from events.models import DeadlineMark, Escalation, Event, Step
from events.services import Params, event_act
from events.services.sweep import deadlines_sweep
from events.tests import factory
from notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def T(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text + "+08:00")


def at(moment: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with time_machine.travel(T(moment), tick=False):
        return fn(*args, **kwargs)


def marks(event: Event) -> list[tuple[str, dt.datetime]]:
    return list(DeadlineMark.objects.filter(event=event).order_by("mark_at").values_list("colour", "mark_at"))


def test_yellow_at_80_percent_red_after_the_limit_and_a_suspension_moves_both_by_its_hour() -> None:
    ew = factory.build()
    assert ew.cls("06010").limit("handle") == (4.0, "hours")
    plain = factory.report(ew, reported_at=T("2026-02-13T16:00"), client_id="plain")
    held = factory.report(ew, reported_at=T("2026-02-13T16:00"), client_id="held")
    assert (plain.warn_at, plain.due_at) == (T("2026-02-14T10:12"), T("2026-02-14T11:00"))

    centre = ew.users["centre_a"]
    at("2026-02-13T16:10", event_act, event=held, action="accept", user=centre)
    at("2026-02-13T16:20", event_act, event=held, action="suspend", user=centre, params=Params(reason="等待权属认定"))
    resumed = at("2026-02-13T17:20", event_act, event=held, action="resume", user=centre)  # one working hour
    assert (resumed.warn_at, resumed.due_at, resumed.escalate_at) == (
        T("2026-02-14T11:12"), T("2026-02-14T12:00"), T("2026-02-14T12:00"))
    step = Step.objects.get(event=held, action="resume")
    assert step.data["suspended_hours"] == 1.0
    assert step.data["moved"]["due_at"] == [T("2026-02-14T11:00").isoformat(), T("2026-02-14T12:00").isoformat()]

    deadlines_sweep(now=T("2026-02-14T10:11"))
    assert marks(plain) == [] and marks(held) == []
    result = deadlines_sweep(now=T("2026-02-14T10:12"))
    assert result.yellow == [plain.pk]
    assert marks(plain) == [("yellow", T("2026-02-14T10:12"))]
    deadlines_sweep(now=T("2026-02-14T11:00"))
    assert marks(plain) == [("yellow", T("2026-02-14T10:12"))], "not red at 11:00 itself"
    assert marks(held) == []
    result = deadlines_sweep(now=T("2026-02-14T11:01"))
    assert result.red == [plain.pk] and result.escalated == {plain.pk: "county"}
    assert marks(plain) == [("yellow", T("2026-02-14T10:12")), ("red", T("2026-02-14T11:00"))]

    deadlines_sweep(now=T("2026-02-14T11:11"))
    assert marks(held) == []
    deadlines_sweep(now=T("2026-02-14T11:12"))
    assert marks(held) == [("yellow", T("2026-02-14T11:12"))]
    deadlines_sweep(now=T("2026-02-14T12:00"))
    assert [c for c, _ in marks(held)] == ["yellow"]
    deadlines_sweep(now=T("2026-02-14T12:01"))
    assert marks(held) == [("yellow", T("2026-02-14T11:12")), ("red", T("2026-02-14T12:00"))]


def test_an_overdue_town_event_escalates_to_the_county_once_then_to_the_city_after_the_county_limit() -> None:
    ew = factory.build()
    event = factory.report(ew, reported_at=T("2026-02-13T16:00"))
    first = deadlines_sweep(now=T("2026-02-14T11:01"))
    assert first.escalated == {event.pk: "county"}
    for _ in range(2):  # run twice more: nothing new
        again = deadlines_sweep(now=T("2026-02-14T11:05"))
        assert again.escalated == {} and again.red == [] and again.yellow == []
    fresh = Event.objects.get(pk=event.pk)
    assert (fresh.level, fresh.version) == ("county", 2)
    assert fresh.escalate_at == T("2026-02-14T16:31")  # the county gets 4 working hours from 11:01
    esc = Escalation.objects.get(event=event)
    assert (esc.cause, esc.from_level, esc.to_level, esc.due_at, esc.at, esc.seq) == (
        "overdue", "town", "county", T("2026-02-14T11:00"), T("2026-02-14T11:01"), 2)
    step = Step.objects.get(event=event, seq=2)
    assert (step.action, step.level, step.from_state, step.to_state) == ("escalate", "county", "reported", "reported")
    [row] = OutboxMessage.objects.filter(kind="events.notify", key__startswith="escalated:")
    assert row.payload["escalated"] == [esc.pk]

    deadlines_sweep(now=T("2026-02-14T16:31"))
    assert Event.objects.get(pk=event.pk).level == "county"
    top = deadlines_sweep(now=T("2026-02-14T16:32"))
    assert top.escalated == {event.pk: "city"}
    fresh = Event.objects.get(pk=event.pk)
    assert (fresh.level, fresh.escalate_at) == ("city", None)
    assert list(Escalation.objects.filter(event=event).values_list("to_level", flat=True)) == ["county", "city"]
    assert deadlines_sweep(now=T("2026-03-30T09:00")).escalated == {}, "the city is the top"


def test_a_suspended_event_is_not_escalated_and_a_closed_one_is_never_marked() -> None:
    ew = factory.build()
    centre = ew.users["centre_a"]
    held = factory.report(ew, reported_at=T("2026-02-13T16:00"), client_id="s")
    at("2026-02-13T16:10", event_act, event=held, action="accept", user=centre)
    at("2026-02-13T16:20", event_act, event=held, action="suspend", user=centre, params=Params(reason="等待"))
    done = factory.report(ew, reported_at=T("2026-02-13T16:00"), client_id="c")
    at("2026-02-13T16:10", event_act, event=done, action="reject", user=centre, params=Params(reason="重复"))
    result = deadlines_sweep(now=T("2026-02-20T09:00"))
    assert result.escalated == {} and result.red == [] and result.yellow == []


def test_an_approved_extension_moves_the_escalation_with_the_deadline() -> None:
    ew = factory.build()
    u = ew.users
    event = factory.report(ew, reported_at=T("2026-02-13T16:00"))
    for verb in ("accept", "file", "dispatch"):
        at("2026-02-13T16:05", event_act, event=event, action=verb, user=u["centre_a"])
    at("2026-02-13T16:30", event_act, event=event, action="extend", user=u["handler_a"],
       params=Params(reason="需调机械", amount=2, unit_of_amount="hours"))
    fresh = at("2026-02-13T16:40", event_act, event=event, action="extend", user=u["centre_a"],
               params=Params(approve=True))
    assert fresh.due_at == fresh.escalate_at == T("2026-02-14T14:30")  # 11:00 + 2 working hours over lunch
    assert deadlines_sweep(now=T("2026-02-14T11:01")).escalated == {}
    assert deadlines_sweep(now=T("2026-02-14T14:30")).escalated == {}
    assert deadlines_sweep(now=T("2026-02-14T14:31")).escalated == {event.pk: "county"}
