"""The OpenAPI document is the truth (issue 11 item 10).

1. drf-spectacular generates it without a warning (`manage.py spectacular --validate --fail-on-warn`).
2. schemathesis runs over every operation of it, as a city user and as a town user (token auth),
   and finds nothing: no 5xx (`not_a_server_error`), every status documented
   (`status_code_conformance`), every content type documented (`content_type_conformance`), every
   body valid against its schema (`response_schema_conformance`).

Deterministic: `derandomize` (the same examples every run, no example database), 10 examples per
operation, explicit examples and fuzzing (the coverage phase would add dozens of cases per
operation). The world — the two-town test world plus one row of every platform model made by the
apps' outsider cases — is built once for the module inside a transaction that is rolled back at
the end; every example runs inside a savepoint that is rolled back too, so an example (a logout, a
delete) never changes what the next one sees.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import IntegrityError, close_old_connections, connection, transaction
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core import audit
from core.conventions import optional_module
from core.testing.world import World, build_world

pytestmark = pytest.mark.django_db

SKIPPED: list[str] = []
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": 10, "deterministic": True, "database": "none"},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})


def test_the_schema_is_generated_without_a_warning(tmp_path: Any) -> None:
    """drf-spectacular's own validation, failing on any warning (enum names, operation ids, fields)."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "ErrorEnvelope" in text and "PaginatedEventList" in text


def _world() -> World:
    world = build_world()
    for app in settings.PLATFORM_APPS:
        module = optional_module(app, "tests.scoping_cases")
        for case in getattr(module, "CASES", []) if module else []:
            # The cases were written for a fresh world each; one that collides with an earlier
            # case's row (a unit of the same name) is left out, in its own savepoint.
            try:
                with transaction.atomic(), audit.acting_as(world.users[case.viewer], source="test"):
                    case.make(world)
            except IntegrityError:
                SKIPPED.append(case.label)
    return world


@pytest.fixture(scope="module")
def api_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """The world and one API token per user, for the whole module; rolled back at its end."""
    from accounts.services import token_issue

    with django_db_blocker.unblock(), transaction.atomic():
        world = _world()
        tokens = {name: token_issue(user=world.users[name])[1] for name in ("city-user", "insider")}
        yield tokens
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def wsgi_in_this_transaction() -> Iterator[None]:
    """Requests run in the test's thread and connection, which must stay open across them (as
    Django's test client does: the request signals would close a connection inside a transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema() -> Any:
    """The document as `/api/schema/` serves it (generated at collection: it reads no row)."""
    from drf_spectacular.generators import SchemaGenerator

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
    loaded.app = WSGIHandler()
    return loaded


schema = _schema()


def _call(case: Any, token: str, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        assert connection.in_atomic_block
        with transaction.atomic():
            try:
                # identity: the WSGI test client does not inflate JsonGZipMiddleware's gzip as an HTTP client would
                case.call_and_validate(headers={"Authorization": f"Token {token}", "Accept-Encoding": "identity"},
                                       checks=CHECKS)
            finally:
                transaction.set_rollback(True)


@schema.parametrize()
def test_api_as_a_city_user(case: Any, api_world: dict[str, str], wsgi_in_this_transaction: None,
                            django_db_blocker: Any) -> None:
    _call(case, api_world["city-user"], django_db_blocker)


@schema.parametrize()
def test_api_as_a_town_user(case: Any, api_world: dict[str, str], wsgi_in_this_transaction: None,
                            django_db_blocker: Any) -> None:
    _call(case, api_world["insider"], django_db_blocker)
