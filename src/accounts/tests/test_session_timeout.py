"""Sessions end after the idle timeout and after the absolute lifetime (core.middleware)."""
import time

import pytest
from django.test import Client

from accounts.tests.helpers import account, events, sign_in

pytestmark = pytest.mark.django_db


def _age(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_idle_for_longer_than_the_timeout_ends(world) -> None:  # noqa: ANN001
    user = account("idle-clerk", ["town_command"])
    client = Client()
    sign_in(client, "idle-clerk")
    assert client.get("/divisions/").status_code == 200
    _age(client, _seen_at=31 * 60)
    answer = client.get("/divisions/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/?next=%2Fdivisions%2F&timeout=1")
    assert "会话已超时" in client.get(answer["Location"]).content.decode()
    assert client.get("/divisions/").status_code == 302  # signed out for good
    assert events("logout", user)[-1].after == {"timeout": "idle"}


def test_activity_within_the_timeout_keeps_the_session(world) -> None:  # noqa: ANN001
    account("busy-clerk", ["town_command"])
    client = Client()
    sign_in(client, "busy-clerk")
    _age(client, _seen_at=29 * 60)
    assert client.get("/divisions/").status_code == 200
    assert int(time.time()) - client.session["_seen_at"] < 5  # refreshed


def test_the_absolute_lifetime_ends_even_a_busy_session(world, settings) -> None:  # noqa: ANN001
    settings.SESSION_ABSOLUTE_LIFETIME = 8 * 3600
    user = account("long-clerk", ["town_command"])
    client = Client()
    sign_in(client, "long-clerk")
    _age(client, _auth_at=8 * 3600 + 1, _seen_at=10)
    assert client.get("/divisions/").status_code == 302
    assert events("logout", user)[-1].after == {"timeout": "lifetime"}


def test_the_idle_timeout_is_configurable_and_applies_to_the_api(world, settings) -> None:  # noqa: ANN001
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    account("api-idle", ["town_command"])
    client = Client()
    sign_in(client, "api-idle")
    _age(client, _seen_at=6 * 60)
    answer = client.get("/api/auth/me/")
    assert answer.status_code in (401, 403) and answer.json()["error"]["code"] == "not_authenticated"
