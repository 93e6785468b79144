"""The intake's answer is built from what the intake located and routed with (no re-read of the
event), and says exactly what reading the event back says."""
from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from events.tests import factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ew() -> factory.EventWorld:
    return factory.build()


def _post(user: Any, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    api = APIClient()
    api.force_authenticate(user)
    with CaptureQueriesContext(connection) as queries:
        answer = api.post("/api/events/", body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json(), [q["sql"] for q in queries.captured_queries]


def _read_back(user: Any, pk: int) -> dict[str, Any]:
    api = APIClient()
    api.force_authenticate(user)
    answer = api.get(f"/api/events/{pk}/")
    assert answer.status_code == 200, answer.content
    return dict(answer.json())


@pytest.mark.parametrize("place", ["point", "address"])
def test_the_answer_of_a_report_is_what_reading_it_back_answers(ew: factory.EventWorld, place: str) -> None:
    user = ew.users["worker"] if place == "point" else ew.users["hotline"]
    lat, lng = factory.point_in(ew.grid_a)
    where = {"lat": lat, "lng": lng} if place == "point" else {"address": "扬州市广陵区东关街道"}
    body = {"channel": "grid" if place == "point" else "hotline", "category": "06010",
            "description": "路边堆放生活垃圾", "client_id": f"answer-{place}", **where}
    answer, queries = _post(user, body)
    # the probes (client_id, duplicates) read ids from the events table alone; a re-read joins its relations
    assert not [q for q in queries if q.lstrip().startswith("SELECT") and 'FROM "events_event" ' in q and "JOIN" in q], \
        "the intake read the event back"
    back = _read_back(user, answer["id"])
    assert answer["grid"] == back["grid"] and answer["division"] == back["division"]
    assert answer["town"] == back["town"] == {"code": factory.A, "name": "东关街道"}
    for name in ("village", "county", "matter", "unit", "proposed_unit", "category", "state", "allowed", "due_at"):
        assert answer[name] == back[name], name
    if place == "point":
        assert answer["grid"]["id"] == ew.grid_a.pk and answer["unit"]["name"] == ew.unit_a.name
