"""Small fixtures for the phone app's tests, on top of events/tests/factory.py (the worker
`demo-grid-321002001` heads a grid in 东关街道; `handler-a` handles 06010 there)."""
from __future__ import annotations

from typing import Any

from core import audit
from events.models import Event
from events.services import Params, event_act
from events.tests import factory
from events.tests.factory import EventWorld


def handled(ew: EventWorld, **kw: Any) -> Event:
    """A report of the worker taken through the lifecycle services to 待核查 (handled)."""
    event = factory.report(ew, **kw)
    centre, handler = ew.users["centre_a"], ew.users["handler_a"]
    with audit.acting_as(centre, source="test"):
        for verb in ("accept", "file", "dispatch"):
            event = event_act(event=event, action=verb, user=centre)
    with audit.acting_as(handler, source="test"):
        event = event_act(event=event, action="feedback", user=handler, params=Params(note="已清运，现场整洁",
                                                                                   photo_files=[factory.photo()]))
    return event
