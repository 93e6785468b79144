"""/healthz says the process is alive without touching anything; /readyz answers 200 only when the
database, Redis (when configured) and the migrations are in order and the caches are built, else
503 with the first failed check as the reason. (The same against a real production stack, before
and after `deploy/migrate.sh` and with Redis stopped: test_production_stack.py.)"""
from __future__ import annotations

import os

import pytest
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

from core.testing.procs import free_port
from web.views import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_a_query(django_assert_num_queries) -> None:  # noqa: ANN001
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_200_with_every_check_when_ready() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert list(body["checks"]) == ["database", "redis", "migrations", "caches"]
    assert body["checks"]["redis"] == ("ok" if os.environ.get("REDIS_URL") else "not configured")
    assert response["Cache-Control"] == "no-store"


def test_readyz_is_503_while_redis_does_not_answer() -> None:
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", READYZ_TIMEOUT=0.5):
        response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready" and body["reason"].startswith("redis: ")
    assert body["checks"]["database"] == "ok" and "migrations" not in body["checks"]


def test_readyz_is_503_while_a_migration_is_unapplied() -> None:
    health._migrated.clear()  # this process may have passed the check in an earlier test
    # the app's latest migration (an earlier one unrecorded under a recorded later one reads as applied)
    leaf = max(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "notify")
    MigrationRecorder.Migration.objects.filter(app="notify", name=leaf).delete()
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == f"migrations: 1 unapplied migrations (notify.{leaf})"
    MigrationRecorder.Migration.objects.create(app="notify", name=leaf)
    assert Client().get("/readyz").status_code == 200


def test_readyz_needs_no_https_redirect_or_sign_in() -> None:
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert Client().get("/readyz").status_code == 200
        assert Client().get("/healthz").status_code == 200
