"""What schemathesis found (`test_api_schema.py`), each kind pinned as a plain test: it would find
them again, but only by chance. Apart from that module, whose world lives for the whole module."""
from __future__ import annotations

from typing import Any

import pytest

from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _envelope(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]


def _client(user: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_row_id_that_is_not_a_number_is_a_404_not_a_500() -> None:
    world = build_world()
    client = _client(world.users["city-user"])
    for path in ("/api/cases/true/complete/", "/api/assess/suggestions/null/answer/", "/api/org/units/abc/"):
        _envelope(client.post(path, {}, format="json") if "units" not in path else client.get(path), 404)


def test_an_impossible_date_is_a_400_naming_the_parameter() -> None:
    world = build_world()
    error = _envelope(_client(world.users["city-user"]).post(
        "/api/assess/runs/", {"period_kind": "month", "period_start": "2024-13-01", "division": "321000000000"},
        format="json"), 400)
    assert "period_start" in error["fields"] or "day" in error["fields"], error
    error = _envelope(_client(world.users["city-user"]).get("/api/assess/dashboard/", {"day": "2024-02-30"}), 400)
    assert "day" in error["fields"]


def test_a_json_body_that_is_not_an_object_is_a_400() -> None:
    world = build_world()
    client = _client(world.users["insider"])
    for path in ("/api/assess/indicators/", "/api/assess/schemes/", "/api/assess/runs/"):
        error = _envelope(client.generic("POST", path, "true", content_type="application/json"), 400)
        assert error["message"] == "请求体须为 JSON 对象（{...}）"


def test_deleting_a_row_others_still_point_at_is_a_409() -> None:
    from assess.tests.scoping_cases import make_dispatch
    from org.models import Unit

    world = build_world()
    dispatch = make_dispatch(world)
    error = _envelope(_client(world.users["city-user"]).delete(f"/api/org/units/{dispatch.unit_id}/"), 409)
    assert error["code"] == "in_use"
    assert Unit.objects.filter(pk=dispatch.unit_id).exists()
