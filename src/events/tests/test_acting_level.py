"""Issue 11 item 2 (events): an event acts at the level it is routed to. A higher centre supervises
(督办) a lower level's event but does not take its decision steps — unless the event was escalated
to it; a 重大 event routed to the city is the city's to act on, not the town's or the county's."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from events.models import Event
from events.services.sweep import deadlines_sweep
from events.tests import factory

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def allowed(user: Any, event: Event) -> list[str]:
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/events/{event.pk}/").json()["allowed"]


def act(user: Any, event: Event, verb: str, **body: Any) -> int:
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/events/{event.pk}/{verb}/", body, format="json").status_code


def test_a_town_event_is_the_towns_to_act_on_and_the_county_and_city_only_supervise() -> None:
    ew = factory.build()
    u = ew.users
    event = factory.report(ew)
    assert event.level == "town"
    assert allowed(u["centre_a"], event) == ["accept", "reject", "merge"]
    for higher in (u["county_centre"], u["city_centre"]):
        assert allowed(higher, event) == ["supervise"]
        assert act(higher, event, "accept") == 403
    assert act(u["city_centre"], event, "supervise", reason="请加快处置") == 200
    assert act(u["centre_b"], event, "accept") == 404, "another town does not see it"


def test_a_major_event_routed_to_the_city_is_the_citys_to_act_on() -> None:
    ew = factory.build()
    u = ew.users
    event = factory.report(ew, severity="major")
    assert event.level == "city"
    assert allowed(u["city_centre"], event) == ["accept", "reject", "merge"]
    for lower in (u["centre_a"], u["county_centre"]):
        assert allowed(lower, event) == []
        assert act(lower, event, "accept") == 403
    assert act(u["city_centre"], event, "accept") == 200


def test_an_escalated_event_passes_to_the_higher_centre() -> None:
    ew = factory.build()
    u = ew.users
    event = factory.report(ew, reported_at=dt.datetime(2026, 2, 13, 16, 0, tzinfo=TZ))
    deadlines_sweep(now=dt.datetime(2026, 2, 14, 11, 1, tzinfo=TZ))
    event = Event.objects.get(pk=event.pk)
    assert event.level == "county"
    assert allowed(u["county_centre"], event) == ["accept", "reject", "merge"]
    assert allowed(u["centre_a"], event) == []
    assert allowed(u["city_centre"], event) == ["supervise"]
    assert act(u["centre_a"], event, "accept") == 403
    assert act(u["county_centre"], event, "accept") == 200


def test_the_actions_offered_are_django_fsms_answer_in_every_state_for_every_user() -> None:
    """`Event.available_actions(user)` works the actor kinds out once; it must answer exactly what
    django-fsm's per-transition permission check answers."""
    from events.lifecycle import KIND

    ew = factory.build()
    event = factory.report(ew)
    event.duplicate_of = [1]        # `clear-duplicate` is offered only while flagged
    event.called_units = [ew.unit_a.pk]
    for state in KIND:
        event.__dict__["state"] = state   # the field is protected: set the in-memory state directly
        for name, user in ew.users.items():
            expected = {t.custom["action"] for t in event.get_available_user_state_transitions(user)}
            assert set(event.available_actions(user)) == expected, (state, name)
