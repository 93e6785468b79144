"""Every API error is JSON {"error": {"code", "message", "fields"}} with a 4xx, never a 500."""
import pytest
from rest_framework.test import APIClient

from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _shape(response) -> dict:  # noqa: ANN001
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    assert 400 <= response.status_code < 500
    return body["error"]


def _api(user):  # noqa: ANN001, ANN202
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_malformed_json() -> None:
    world = build_world()
    error = _shape(_api(world.outsider).generic("POST", "/api/org/units/", "{bad", content_type="application/json"))
    assert error["code"] == "parse_error"


def test_wrong_types_and_missing_fields_name_the_field() -> None:
    world = build_world()
    response = _api(world.outsider).post("/api/org/absences/", {"staff": "abc", "start": "yesterday"}, format="json")
    error = _shape(response)
    assert error["code"] == "invalid" and {"staff", "start", "end", "reason"} <= set(error["fields"])


def test_unknown_ids_in_a_body_and_in_a_url() -> None:
    world = build_world()
    api = _api(world.outsider)
    error = _shape(api.post("/api/org/staff/", {"unit": 999999, "name": "x", "establishment": "行政"}, format="json"))
    assert "unit" in error["fields"]
    assert _shape(api.get("/api/org/staff/999999/"))["code"] == "not_found"
    assert _shape(api.get("/api/org/staff/not-a-number/"))["code"] == "not_found"
    assert _shape(api.get("/api/no-such-endpoint/"))["code"] == "not_found"


def test_failed_login_and_bad_token() -> None:
    build_world()
    client = APIClient()
    error = _shape(client.post("/api/auth/token/", {"username": "outsider", "password": "wrong"}, format="json"))
    assert error["code"] == "authentication_failed"
    assert "username" in _shape(client.post("/api/auth/token/", {"password": "x"}, format="json"))["fields"]
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert _shape(client.get("/api/divisions/"))["code"] == "authentication_failed"


def test_token_round_trip() -> None:
    build_world()
    client = APIClient()
    token = client.post("/api/auth/token/", {"username": "outsider", "password": "pw-12345"}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/auth/me/").json()
    assert me["division"] == "321002001000" and "town_command" in me["roles"]


def test_role_without_write_permission_is_403_with_message() -> None:
    world = build_world()
    leader = world.user("leader-only", "321002001000", ["leader"])
    error = _shape(_api(leader).post("/api/org/units/", {"division": "321002001000", "name": "x", "kind": "bureau"},
                                     format="json"))
    assert error["code"] == "permission_denied" and error["message"]


def test_a_write_that_would_leave_the_subtree_is_refused() -> None:
    world = build_world()
    # The county is visible to a town user (reference data), but not writable: the re-check refuses.
    response = _api(world.outsider).post("/api/org/units/", {"division": "321002000000", "name": "越级机构",
                                                             "kind": "bureau"}, format="json")
    assert _shape(response)["code"] == "permission_denied"
    from org.models import Unit

    assert not Unit.objects.filter(name="越级机构").exists()


def test_a_bug_is_a_logged_500_in_the_envelope_not_a_400(caplog: pytest.LogCaptureFixture) -> None:
    """ValueError, TypeError and IntegrityError are bugs, not bad input: never passed off as 4xx."""
    from django.db import IntegrityError
    from rest_framework.test import APIRequestFactory

    from core.api.errors import exception_handler
    from core.api.views import PlatformAPIView

    view = PlatformAPIView()
    request = APIRequestFactory().get("/api/x/")
    for exc in (ValueError("invalid literal for int()"), TypeError("x"), IntegrityError("dup")):
        response = exception_handler(exc, {"view": view, "request": request})
        assert response is not None and response.status_code == 500
        assert response.data["error"]["code"] == "server_error"
        assert "invalid literal" not in response.data["error"]["message"]
    assert "unhandled error" in caplog.text
