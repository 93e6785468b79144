"""GET /api/divisions/: filters, detail, pagination, scoping by code prefix."""
import pytest
from rest_framework.test import APIClient

from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _client(user):  # noqa: ANN001, ANN202
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_filters_by_level_parent_and_code() -> None:
    world = build_world()
    api = _client(world.users["city-user"])
    assert api.get("/api/divisions/?level=county").json()["count"] == 2
    kids = api.get("/api/divisions/?parent=321002000000").json()
    assert {r["code"] for r in kids["results"]} == {"321002001000", "321002106000"}
    one = api.get("/api/divisions/?code=321002106000").json()
    assert one["count"] == 1 and one["results"][0]["name"] == "湾头镇"


def test_detail_by_code_and_bad_code_is_json_404() -> None:
    world = build_world()
    api = _client(world.users["city-user"])
    assert api.get("/api/divisions/321002001000/").json()["name"] == "东关街道"
    response = api.get("/api/divisions/999999999999/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_town_user_sees_its_town_its_ancestors_and_nothing_of_the_neighbour() -> None:
    world = build_world()
    api = _client(world.outsider)
    codes = {r["code"] for r in api.get("/api/divisions/?page_size=2000").json()["results"]}
    assert codes == {"321000000000", "321002000000", "321002001000", "321002001001"}
    assert api.get("/api/divisions/321002106000/").status_code == 404
    villages = api.get("/api/divisions/?level=village").json()["results"]
    assert [v["code"] for v in villages] == ["321002001001"]


def test_pagination_answers_count_and_caps_page_size() -> None:
    world = build_world()
    api = _client(world.users["root"])
    page = api.get("/api/divisions/?page_size=2&page=2").json()
    assert page["count"] == 9 and len(page["results"]) == 2 and page["previous"]
    assert api.get("/api/divisions/?page_size=2000").status_code == 200
    assert api.get("/api/divisions/?page_size=99999").status_code == 400  # over the promised 2,000: said, not capped
    assert api.get("/api/divisions/?page=99").status_code == 404


def test_anonymous_gets_a_401_json_error() -> None:
    response = APIClient().get("/api/divisions/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"
