"""Bad input never reaches a 500 or leaks internals (issue 11 item 7): each case answers a 4xx
JSON error in the platform's envelope on the API and a Chinese page on the site."""
from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.testing.world import build_world

pytestmark = pytest.mark.django_db

RAW_TEXTS = ("invalid literal", "Traceback", "libxml", "Exception", "NoneType", "object has no attribute")


def _envelope(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]), body
    for raw in RAW_TEXTS:
        assert raw not in json.dumps(body, ensure_ascii=False), body
    return body["error"]


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("size", ["0", "-1", "2001", "99999999999999999999", "abc", "1.5"])
def test_page_size_out_of_range_is_a_400(size: str) -> None:
    world = build_world()
    error = _envelope(_api(world.outsider).get("/api/grids/workers/", {"page_size": size}), 400)
    assert "page_size" in error["fields"]


@pytest.mark.parametrize("page", ["0", "-3", "abc", "1.5"])
def test_a_page_that_is_not_a_whole_number_is_a_400(page: str) -> None:
    world = build_world()
    error = _envelope(_api(world.outsider).get("/api/org/units/", {"page": page}), 400)
    assert "page" in error["fields"]


def test_a_page_past_the_end_is_a_404_that_says_so() -> None:
    world = build_world()
    error = _envelope(_api(world.outsider).get("/api/org/units/", {"page": "999999"}), 404)
    assert (error["code"], error["message"]) == ("page_not_found", "页码超出范围")


def test_deeply_nested_json_is_refused() -> None:
    world = build_world()
    body = "[" * 5000 + "]" * 5000
    error = _envelope(_api(world.outsider).generic("POST", "/api/org/units/", body,
                                                    content_type="application/json"), 400)
    assert error["code"] == "parse_error"


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "yesterday", "2026-02-30"])
def test_extreme_and_malformed_dates_are_a_400(value: str) -> None:
    world = build_world()
    response = _api(world.outsider).post("/api/org/absences/", {"start": value, "end": value, "reason": "x"},
                                         format="json")
    _envelope(response, 400)


def test_a_body_over_the_size_limit_is_a_413_json(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    world = build_world()
    response = _api(world.outsider).post("/api/org/units/", {"name": "x" * 5000}, format="json")
    _envelope(response, 413, 400)


def test_post_without_trailing_slash_is_a_json_error_not_a_500() -> None:
    world = build_world()
    _envelope(_api(world.outsider).post("/api/org/units", {"name": "x"}, format="json"), 404, 405, 400)


def test_wrong_host_header_is_a_400() -> None:
    response = Client().get("/api/divisions/", HTTP_HOST="evil.example")
    _envelope(response, 400)
    page = Client().get("/", HTTP_HOST="evil.example")
    assert page.status_code == 400 and "请求" in page.content.decode()


def test_csrf_failure_is_a_json_error_on_the_api_and_a_chinese_page_on_the_site() -> None:
    world = build_world()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.outsider)
    _envelope(client.post("/api/org/units/", {"name": "x"}), 403)
    page = client.post("/i18n/setlang/", {"language": "en"})
    assert page.status_code == 403 and "安全校验" in page.content.decode()


@pytest.mark.parametrize("value", ["abc", "32100", "3210020019999999", "'; drop table", "%00"])
def test_division_parameter_garbage_is_a_400_on_api_and_pages(value: str) -> None:
    world = build_world()
    _envelope(_api(world.outsider).get("/api/grids/", {"division": value}), 400)
    client = Client()
    client.force_login(world.outsider)
    page = client.get("/grids/", {"division": value})
    assert page.status_code in (200, 400), page.status_code


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u200d \u200c", "正常\u202e名称", "a\u2066b", "x\x00y"])
def test_invisible_or_bidi_names_are_refused(name: str) -> None:
    from org.models import Unit

    world = build_world()
    count = Unit.objects.count()
    response = _api(world.outsider).post("/api/org/units/", {"division": "321002001000", "name": name,
                                                             "kind": "bureau"}, format="json")
    error = _envelope(response, 400)
    assert "name" in error["fields"]
    assert Unit.objects.count() == count
