"""Request ids and JSON log lines (core.logcontext): the id comes from X-Request-ID or is made, is
answered back, and every line written during the request — one access line with path, status,
duration and user — carries it, formatted as one JSON object per line."""
from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from core import logcontext
from core.logcontext import JSON_FORMATTER, RequestContextFilter
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The platform's JSON formatter and context filter on the access logger, at INFO, into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter(**{k: v for k, v in JSON_FORMATTER.items() if k != "()"}))
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("platform.request")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield buffer
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_an_incoming_request_id_is_answered_and_on_the_access_line(json_lines: io.StringIO) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response["X-Request-ID"] == "lb-7f3a.42"
    [line] = _lines(json_lines)
    assert line["request_id"] == "lb-7f3a.42"
    assert {"time", "level", "logger", "message", "user", "path", "status", "duration_ms"} <= set(line)
    assert (line["level"], line["logger"], line["path"], line["status"]) == ("INFO", "platform.request", "/healthz", 200)
    assert line["user"] is None
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["time"])


@pytest.mark.parametrize("sent", ["", "x" * 65, "two words", "id\nforged line", "请求"])
def test_an_unacceptable_request_id_is_replaced_by_a_new_one(sent: str) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=sent)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_requests_without_an_id_get_different_ones() -> None:
    client = Client()
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_the_access_line_names_the_signed_in_user_and_the_status_sets_the_level(json_lines: io.StringIO) -> None:
    world = build_world()
    client = Client()
    client.force_login(world.insider)
    assert client.get("/").status_code == 200
    client.get("/no-such-page/")
    home, missing = _lines(json_lines)
    assert (home["user"], home["status"], home["level"]) == ("insider", 200, "INFO")
    assert (missing["status"], missing["level"]) == (404, "WARNING")
    assert home["request_id"] != missing["request_id"]


def test_lines_outside_a_request_carry_no_id_and_bound_blocks_carry_theirs() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    RequestContextFilter().filter(record)
    assert (getattr(record, "request_id"), getattr(record, "user")) == (None, None)  # noqa: B009
    with logcontext.bound({"request_id": "r-1", "user": "alice"}):
        inner = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
        RequestContextFilter().filter(inner)
        assert logcontext.current() == {"request_id": "r-1", "user": "alice"}
    assert (getattr(inner, "request_id"), getattr(inner, "user")) == ("r-1", "alice")  # noqa: B009
    assert logcontext.current() == {}
