"""Probes for load balancers and process supervisors (no sign-in, no data, plain HTTP allowed).

- `GET /healthz` — liveness: the process answers. Touches nothing else, so a database outage does
  not make a supervisor restart healthy web processes.
- `GET /readyz` — readiness of this process: 200 `{"status": "ready", "checks": {…}}` only when
  the database answers, Redis answers (when `REDIS_URL` is set: the task queue), no migration is
  unapplied, and the in-process caches are warm (working calendar, grid index and event classes
  built once in this process; the first probe builds them). Otherwise 503 `{"status": "not_ready", "reason":
  "<check>: <why>", "checks": {…}}`, checks run in that order and stop at the first failure.
  A passed migration check is remembered by the process (code and migrations change only with a
  restart); the others run at every probe, each bounded by `READYZ_TIMEOUT` seconds where a
  client allows a timeout (Redis) or by the database's own connect timeout.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

log = logging.getLogger(__name__)


class NotReady(Exception):
    """A readiness check failed; the message says why (English, for operators)."""


def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the process can answer."""
    return JsonResponse({"status": "ok"})


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; the reason is reported
        connection.close()  # a broken connection must not be reused by the next probe
        raise NotReady(f"{type(exc).__name__}: {str(exc).strip()[:300]}") from None
    return "ok"


def check_redis() -> str:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return "not configured"
    import redis

    timeout = float(getattr(settings, "READYZ_TIMEOUT", 2.0))
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - unreachable, refused, auth: not ready
        raise NotReady(f"{type(exc).__name__}: {str(exc).strip()[:300]}") from None
    finally:
        client.close()
    return "ok"


_migrated = threading.Event()


def check_migrations() -> str:
    if _migrated.is_set():
        return "ok"
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = [f"{m.app_label}.{m.name}" for m, _ in plan]
        raise NotReady(f"{len(plan)} unapplied migrations ({', '.join(names[:3])}{', …' if len(names) > 3 else ''})")
    _migrated.set()
    return "ok"


def warm_caches() -> str:
    """Build this process's working calendar, grid index and event class table (cheap when
    already built), so the first report after a start does not pay for them."""
    from django.utils import timezone

    from core import workcal
    from events import classes
    from grids import locator

    workcal.is_working_day(timezone.localdate())
    grids = len(locator.get_index())
    return f"ok (grid index: {grids} grids, event classes: {len(classes.active_classes())})"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("database", check_database),
    ("redis", check_redis),
    ("migrations", check_migrations),
    ("caches", warm_caches),
]


def readiness() -> tuple[bool, dict[str, Any]]:
    """Run the checks in order; `(ready, body)` as `/readyz` answers it."""
    checks: dict[str, str] = {}
    for name, check in CHECKS:
        try:
            checks[name] = check()
        except NotReady as exc:
            checks[name] = f"failed: {exc}"
            return False, {"status": "not_ready", "reason": f"{name}: {exc}", "checks": checks}
        except Exception as exc:  # noqa: BLE001 - e.g. a cache build failing on a half-migrated database
            log.exception("readiness check %s failed", name)
            checks[name] = f"failed: {type(exc).__name__}"
            return False, {"status": "not_ready", "reason": f"{name}: {type(exc).__name__}: {str(exc)[:300]}",
                           "checks": checks}
    return True, {"status": "ready", "checks": checks}


def readyz(request: HttpRequest) -> JsonResponse:
    """200 when this process is ready to serve, else 503 with the first failed check as `reason`."""
    ready, body = readiness()
    response = JsonResponse(body, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response
