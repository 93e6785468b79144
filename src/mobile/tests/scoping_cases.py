"""Outsider cases for the phone app (contract: core/testing/cases.py). The outsider (town A, every
role, grid worker) must see nothing of town B on any page of /m/ — not B's grids on the map (even
when the outsider's own worker record is in B's team), not B's events among their reports or
verifications (even one with the outsider as reporter), not B's own event classes in the picker."""
from __future__ import annotations

from typing import Any

from django.test import Client

from core import audit
from events.models import Event
from events.tests.scoping_cases import make_class, make_event
from grids.tests import fixtures

PLANTED = "WANTOU-PHONE-ONLY"


def _insider(world: Any) -> Client:
    client = Client()
    client.force_login(world.insider)
    return client


def _member(grid: Any, user: Any) -> None:
    """`user` as a member of `grid`'s team (its worker record in B's village)."""
    from grids.models import GridMembership, GridWorker

    worker = GridWorker.objects.create(division_id=grid.village_id or grid.division_id, name="跨镇网格员", user=user)
    GridMembership.objects.create(grid=grid, worker=worker, role="member")


def _b_events(world: Any) -> tuple[Event, Event]:
    """Two handled events in town B, one reported by the insider and one by the outsider."""
    with audit.acting_as(world.insider, source="test"):
        theirs, outsiders = make_event(world), make_event(world)
    Event.objects.filter(pk=theirs.pk).update(state="handled", description=PLANTED)
    Event.objects.filter(pk=outsiders.pk).update(state="handled", description=PLANTED, reporter=world.outsider)
    return theirs, outsiders


def check_home(world: Any, api: Any, session: Any, insider: Any) -> None:
    fixtures.lay_out(world)
    grid_b = fixtures.grid_in("321002106000")
    _member(grid_b, world.outsider)
    fixtures.team_for(grid_b, world.insider)
    _b_events(world)
    page = session.get("/m/").content.decode()
    assert 'data-grids="0"' in page and grid_b.name not in page and grid_b.code not in page
    assert '<b id="to-verify">0</b>' in page
    theirs = _insider(world).get("/m/").content.decode()
    assert 'data-grids="1"' in theirs and '<b id="to-verify">1</b>' in theirs


def check_report(world: Any, api: Any, session: Any, insider: Any) -> None:
    cls = make_class(world)
    with audit.acting_as(world.insider, source="test"):
        event = make_event(world)
    Event.objects.filter(pk=event.pk).update(event_class=cls)
    page = session.get("/m/report/").content.decode()
    assert cls.code not in page and cls.name not in page
    assert cls.code in _insider(world).get("/m/report/").content.decode()


def check_mine(world: Any, api: Any, session: Any, insider: Any) -> None:
    _b_events(world)
    assert PLANTED not in session.get("/m/mine/").content.decode()
    assert PLANTED in _insider(world).get("/m/mine/").content.decode()


def check_verify_list(world: Any, api: Any, session: Any, insider: Any) -> None:
    theirs, outsiders = _b_events(world)
    page = session.get("/m/verify/").content.decode()
    assert PLANTED not in page and f"/m/verify/{outsiders.pk}/" not in page
    assert f"/m/verify/{theirs.pk}/" in _insider(world).get("/m/verify/").content.decode()


def check_verify(world: Any, api: Any, session: Any, insider: Any) -> None:
    theirs, outsiders = _b_events(world)
    assert session.get("/m/verify/999999999/").status_code == 404
    for event in (theirs, outsiders):
        response = session.get(f"/m/verify/{event.pk}/")
        assert response.status_code == 404 and PLANTED not in response.content.decode()  # as if it did not exist
    assert _insider(world).get(f"/m/verify/{theirs.pk}/").status_code == 200


def check_patrol(world: Any, api: Any, session: Any, insider: Any) -> None:
    fixtures.lay_out(world)
    grid_b = fixtures.grid_in("321002106000")
    _member(grid_b, world.outsider)
    page = session.get("/m/patrol/")
    assert page.status_code == 200 and grid_b.code not in page.content.decode()


URL_CASES = {
    "mobile:home": check_home,
    "mobile:report": check_report,
    "mobile:mine": check_mine,
    "mobile:verify-list": check_verify_list,
    "mobile:verify": check_verify,
    "mobile:patrol": check_patrol,
}

EXEMPT_URLS = {
    "mobile:sw": "the service worker script: routes and cache names only, no data (public like a static file)",
    "mobile:manifest": "the web app manifest: the app's name, start address and icons, no data",
}
