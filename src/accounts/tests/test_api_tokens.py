"""API tokens (django-rest-knox): one per client, stored hashed, expiring, revoked by sign-out and
by a password change; an expired or revoked token is a 401 in the error envelope."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.test import APIClient

from accounts import services
from accounts.tests.helpers import account, events, sign_in, token_for
from core import audit

pytestmark = pytest.mark.django_db


def _api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_token_keeps_its_shape_and_is_stored_only_as_a_digest(world) -> None:  # noqa: ANN001
    user = account("api-user", ["town_command"])
    answer = token_for("api-user")
    assert answer.status_code == 200
    token = answer.json()["token"]
    assert answer.json()["expiry"]
    assert _api(token).get("/api/auth/me/").json()["username"] == "api-user"
    row = AuthToken.objects.get(user=user)
    assert token not in (row.digest, row.token_key) and len(row.digest) == 128  # SHA-512 hex
    assert not AuthToken.objects.filter(digest=token).exists()
    issued = events("token_new", user)
    assert len(issued) == 1 and issued[0].after["ip"] == "127.0.0.1"
    assert events("login", user)[-1].source == "api"


def test_each_client_gets_its_own_token(world) -> None:  # noqa: ANN001
    account("two-phones", ["grid_worker"])
    first, second = token_for("two-phones").json()["token"], token_for("two-phones").json()["token"]
    assert first != second
    assert _api(first).get("/api/auth/me/").status_code == 200
    assert _api(second).get("/api/auth/me/").status_code == 200


def test_an_expired_token_is_a_401(world) -> None:  # noqa: ANN001
    user = account("expired-user", ["town_command"])
    token = token_for("expired-user").json()["token"]
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    answer = _api(token).get("/api/auth/me/")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "authentication_failed"


def test_an_api_call_reads_only_its_own_token_and_a_new_token_clears_the_expired_ones(world) -> None:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = account("tidy-user", ["town_command"])
    old, live = token_for("tidy-user").json()["token"], token_for("tidy-user").json()["token"]
    AuthToken.objects.filter(user=user, token_key=old[:CONSTANTS.TOKEN_KEY_LENGTH]).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    with CaptureQueriesContext(connection) as queries:
        assert _api(live).get("/api/auth/me/").status_code == 200
    assert len([q for q in queries.captured_queries if "knox_authtoken" in q["sql"]]) == 1, "one token query a call"
    assert AuthToken.objects.filter(user=user).count() == 2, "another token's expiry is no business of this call"
    assert _api(old).get("/api/auth/me/").status_code == 401
    assert AuthToken.objects.filter(user=user).count() == 1, "the expired token presented is deleted"
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert token_for("tidy-user").status_code == 200
    assert AuthToken.objects.filter(user=user).count() == 1, "issuing a token deletes the expired ones"
    assert events("token_new", user)[-1].after["tokens_expired"] == 1


def test_signing_out_revokes_every_token_of_the_account(world) -> None:  # noqa: ANN001
    user = account("leaving-user", ["town_command"])
    phone, laptop = token_for("leaving-user").json()["token"], token_for("leaving-user").json()["token"]
    out = _api(phone).post("/api/auth/logout/")
    assert out.status_code == 200 and out.json() == {"revoked": 2}
    assert _api(phone).get("/api/auth/me/").status_code == 401
    assert _api(laptop).get("/api/auth/me/").status_code == 401
    assert events("token_del", user)[-1].after["count"] == 2
    assert events("logout", user)


def test_signing_out_of_the_site_revokes_the_tokens_too(world) -> None:  # noqa: ANN001
    account("site-user", ["town_command"])
    token = token_for("site-user").json()["token"]
    client = Client()
    sign_in(client, "site-user")
    assert client.post("/logout/").status_code == 302
    assert _api(token).get("/api/auth/me/").status_code == 401


def test_a_password_change_revokes_every_token(world) -> None:  # noqa: ANN001
    user = account("changing-user", ["town_command"])
    token = token_for("changing-user").json()["token"]
    with audit.acting_as(user):
        services.password_change(user=user, new_password="Slender-West-Lake-9")
    assert _api(token).get("/api/auth/me/").status_code == 401
    assert events("password", user)[-1].after["tokens_revoked"] == 1


def test_an_unknown_or_malformed_token_is_a_401(world) -> None:  # noqa: ANN001
    assert _api("0" * 64).get("/api/auth/me/").status_code == 401
    assert _api("zz").get("/api/auth/me/").status_code == 401


def test_a_user_keeps_at_most_the_configured_number_of_tokens(world, settings) -> None:  # noqa: ANN001
    settings.API_TOKENS_PER_USER = 2
    user = account("many-clients", ["town_command"])
    tokens = [token_for("many-clients").json()["token"] for _ in range(3)]
    assert AuthToken.objects.filter(user=user).count() == 2
    assert _api(tokens[0]).get("/api/auth/me/").status_code == 401
    assert _api(tokens[2]).get("/api/auth/me/").status_code == 200


def test_the_token_and_its_user_read_by_the_compiled_query_are_what_the_orm_reads(world) -> None:  # noqa: ANN001
    from accounts.api.authentication import _tokens_with_key
    from accounts.models import User

    user = account("api-compiled", ["town_command"])
    User.objects.filter(pk=user.pk).update(last_login=timezone.now(), password_changed_at=timezone.now())
    token = token_for("api-compiled").json()["token"]
    found = _tokens_with_key(token[:CONSTANTS.TOKEN_KEY_LENGTH])
    assert len(found) == 1
    fresh = AuthToken.objects.select_related("user").get(token_key=token[:CONSTANTS.TOKEN_KEY_LENGTH])
    for model_field in AuthToken._meta.concrete_fields:
        assert getattr(found[0], model_field.attname) == getattr(fresh, model_field.attname), model_field.name
    for model_field in User._meta.concrete_fields:   # aware datetimes, JSON roles, as the ORM converts them
        assert getattr(found[0].user, model_field.attname) == getattr(fresh.user, model_field.attname), model_field.name
    assert found[0].user.roles == ["town_command"] and found[0].user.last_login.tzinfo is not None
    assert not found[0]._state.adding and found[0].user_id == user.pk
