"""What an action needs is a rule of the transition table, enforced by the service for every caller.

`lifecycle.TABLE` rows name their needs (`lifecycle.NEEDS`: a reason, the handling note, a photo, a
new deadline, a rating, a merge target, the departments called); `services.event_act` refuses a step
without one — 400 with a Chinese message naming the action and the field — whether it comes from the
API, the pages or the phone; the page forms mark exactly those fields required; and the replay
(`generator.replay_problems`) checks stored steps for them. The 反馈 photo used to be a page rule only:
the API took a feedback without any photo.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.errors import PlatformError
from events import forms, generator, lifecycle
from events.lifecycle import State
from events.models import Event, EventPhoto, Step
from events.services import Params, event_act
from events.tests import factory
from events.tests.test_lifecycle_api import act, ok

pytestmark = pytest.mark.django_db
PHOTO = object()  # a fresh real JPEG is put in its place at the moment of the call


def _at(ew: factory.EventWorld, state: str) -> Event:
    """A report of the worker in 东关街道 taken through the API to `state`."""
    u = ew.users
    event = factory.report(ew)
    path: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
        "reported": [],
        "accepted": [("centre_a", "accept", {})],
        "dispatched": [("centre_a", "accept", {}), ("centre_a", "file", {}), ("centre_a", "dispatch", {})],
    }
    path["extension_requested"] = [*path["dispatched"],
                                   ("handler_a", "extend", {"reason": "需协调供电部门", "amount": 8})]
    path["handled"] = [*path["dispatched"], ("handler_a", "feedback", {"note": "已清运", "photos": PHOTO})]
    path["closed"] = [*path["handled"], ("worker", "verify", {"passed": True}), ("centre_a", "close", {})]
    for who, verb, body in path[state]:
        ok(act(u[who], event, verb, **_fresh(body)))
    fresh = Event.objects.get(pk=event.pk)
    assert fresh.state == state
    return fresh


def _fresh(body: dict[str, Any]) -> dict[str, Any]:
    return {k: [factory.photo()] if v is PHOTO else v for k, v in body.items()}


# (state, who, action, what is given — everything the row needs but one, the field refused, its code)
CASES = [
    ("reported", "centre_a", "reject", {}, "reason", "reason_required"),
    ("reported", "worker", "withdraw", {}, "reason", "reason_required"),
    ("reported", "centre_a", "merge", {"reason": "重复上报"}, "into", "into_required"),
    ("accepted", "centre_a", "suspend", {}, "reason", "reason_required"),
    ("dispatched", "handler_a", "feedback", {"note": "已清运，现场整洁"}, "photos", "photo_required"),
    ("dispatched", "handler_a", "feedback", {"photos": PHOTO}, "note", "note_required"),
    ("dispatched", "handler_a", "return", {}, "reason", "reason_required"),
    ("dispatched", "handler_a", "extend", {"reason": "需协调供电部门"}, "until", "until_required"),
    ("dispatched", "county_centre", "supervise", {}, "reason", "reason_required"),
    ("dispatched", "centre_a", "call", {"reason": "请县城管局到场"}, "units", "units_required"),
    ("extension_requested", "centre_a", "extend", {"approve": False}, "reason", "reason_required"),
    ("extension_requested", "handler_a", "feedback", {"note": "已处置"}, "photos", "photo_required"),
    ("handled", "worker", "verify", {"passed": False}, "reason", "reason_required"),
    ("closed", "centre_a", "rate", {}, "rating", "rating_required"),
]
IDS = [f"{c[2]}-{c[0]}-without-{c[4]}" for c in CASES]


def _untouched(event: Event) -> None:
    fresh = Event.objects.get(pk=event.pk)
    assert (fresh.state, fresh.version) == (event.state, event.version)
    assert Step.objects.filter(event=event).count() == event.version
    assert not EventPhoto.objects.filter(event=event, step__seq__gt=event.version).exists()


@pytest.mark.parametrize(("state", "who", "action", "given", "field", "code"), CASES, ids=IDS)
def test_the_api_refuses_an_action_without_what_its_table_row_needs(state: str, who: str, action: str,
                                                                     given: dict[str, Any], field: str,
                                                                     code: str) -> None:
    ew = factory.build()
    event = _at(ew, state)
    r = act(ew.users[who], event, action, **_fresh(given))
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == code and field in error["fields"]
    assert error["message"].startswith(f"“{lifecycle.Action(action).label}”须"), error["message"]
    _untouched(event)


@pytest.mark.parametrize(("state", "who", "action", "given", "field", "code"), CASES, ids=IDS)
def test_the_service_refuses_it_for_every_caller(state: str, who: str, action: str, given: dict[str, Any],
                                                 field: str, code: str) -> None:
    ew = factory.build()
    event = _at(ew, state)
    body = _fresh(given)
    params = Params(**{("photo_files" if k == "photos" else k): v for k, v in body.items()})
    with pytest.raises(PlatformError) as refused:
        event_act(event=event.pk, action=action, user=ew.users[who], params=params)
    assert refused.value.code == code and field in refused.value.fields
    _untouched(event)


def test_a_feedback_with_a_photo_is_taken_and_the_photo_is_on_its_step() -> None:
    ew = factory.build()
    event = _at(ew, "dispatched")
    handled = ok(act(ew.users["handler_a"], event, "feedback", note="已清运", photos=[factory.photo()]))
    assert handled["state"] == State.HANDLED
    assert EventPhoto.objects.get(event=event).step.action == "feedback"


def test_every_need_of_the_table_is_declared_and_the_replay_knows_how_it_is_recorded() -> None:
    named = {n for row in lifecycle.TABLE for n in row.needs}
    assert named <= set(lifecycle.NEEDS) and set(lifecycle.NEEDS) <= set(generator.replay.RECORDED)
    feedback = [row for row in lifecycle.TABLE if row.action == "feedback"]
    assert feedback and all({"note", "photo"} <= set(row.needs) for row in feedback)
    extend = lifecycle.find(State.DISPATCHED, "extend", lifecycle.Outcome.REQUESTED)
    assert {"reason", "until"} <= set(extend.needs)


# ---------------------------------------------------------------- the page forms display the table's needs

PAGE_STATES = {"reported": ("centre_a", "worker"), "accepted": ("centre_a",),
               "dispatched": ("handler_a", "centre_a", "county_centre"), "extension_requested": ("centre_a",),
               "handled": ("worker",), "closed": ("centre_a",)}
OUTCOME_CHOICES = {"passed", "approve"}  # choose the row (核查 / 延期审批 outcome); not needs


def test_each_page_form_requires_exactly_the_fields_its_table_rows_need() -> None:
    ew = factory.build()
    seen = set()
    for state, users in PAGE_STATES.items():
        event = _at(ew, state)
        for who in users:
            user = ew.users[who]
            for form in forms.action_forms(event, user):
                needs = forms.needs_of(forms.rows_for(event, form.action, user))
                required = {name for name, f in form.fields.items() if f.required} - OUTCOME_CHOICES
                assert required == {lifecycle.NEEDS[n].field for n in needs}, (state, who, form.action)
                seen.add(form.action)
    assert {"reject", "withdraw", "merge", "suspend", "feedback", "return", "extend", "supervise", "call",
            "verify", "rate"} <= seen


def test_the_page_refuses_a_feedback_without_a_photo_beside_the_field() -> None:
    from django.test import Client
    from django.urls import reverse

    ew = factory.build()
    event = _at(ew, "dispatched")
    c = Client()
    c.force_login(ew.users["handler_a"])
    page = c.post(reverse("events:act", args=[event.pk, "feedback"]), {"feedback-note": "已清运"})
    assert page.status_code == 400
    assert "请填写此项" in page.content.decode().split('data-field="feedback-photos"', 1)[1].split("</div>", 1)[0]
    _untouched(event)


# ---------------------------------------------------------------- the replay checks stored steps for them

def test_the_replay_finds_a_feedback_step_whose_photo_is_gone() -> None:
    ew = factory.build()
    event = _at(ew, "closed")
    assert generator.replay_problems([event]) == []
    EventPhoto.objects.filter(event=event, step__action="feedback").delete()
    problems = generator.replay_problems([Event.objects.get(pk=event.pk)])
    assert len(problems) == 1 and "feedback without photo" in problems[0]


def test_generated_feedback_names_the_photo_it_stood_in_for_and_only_synthetic_events_may() -> None:
    from django.test import Client
    from django.urls import reverse

    from events.tests.test_generator import BUSY, NOW, _world

    ew = _world()
    generator.generate(days=1, rate=80, seed=5, now=NOW - dt.timedelta(days=1), mix=BUSY)
    feedback = Step.objects.filter(action="feedback")
    assert feedback.exists() and not EventPhoto.objects.exists()  # no invented pictures
    assert all(step.data["generated"] == ["photo"] for step in feedback)
    assert not Step.objects.exclude(action="feedback").filter(data__has_key="generated").exists()
    events = Event.objects.filter(pk__in=feedback.values("event_id"))
    assert events.filter(is_synthetic=True).count() == events.count()
    assert generator.replay_problems(events) == []
    one = events.order_by("id").first()
    assert one is not None
    c = Client()
    c.force_login(ew.users["city_centre"])
    page = c.get(reverse("events:detail", args=[one.pk])).content.decode()
    assert "生成数据：未附照片" in page  # the page says so rather than showing nothing
    Event.objects.filter(pk=one.pk).update(is_synthetic=False)  # the marker does not pass for a real event
    problems = generator.replay_problems([Event.objects.get(pk=one.pk)])
    assert problems and all("feedback without photo" in p for p in problems)
