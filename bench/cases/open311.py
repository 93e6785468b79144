"""open311.*: throughput of Open311 `POST requests.json` (form-encoded, `api_key` in the body, as
GeoReport v2 clients send it) beside the platform's own intake endpoint `POST /api/events/` in the
same run, both through Django's test client in one process, both ending in `event_report`.

Figures: `open311.<database>.throughput` (requests/s) with the limit `intake.<database>.throughput`
of the native endpoint. Both place the report by the same address (东关街道, resolved by the division
parser); the data (divisions if missing, the event class seed, a county centre, a key) is written
through the real services inside a transaction that is rolled back at the end, so the run leaves
nothing behind (each request's own transaction is then a savepoint).
"""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from bench.run import Context

CITY, COUNTY, TOWN = "321000000000", "321002000000", "321002001000"


class _Rollback(Exception):
    pass


def _measure(n: int, send: Any) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        send(i)
    return n / (time.perf_counter() - t0)


def _world() -> tuple[Any, str]:
    from accounts.models import User
    from core.roles import Role
    from divisions.models import Division
    from events import classes
    from sharing import services

    for code, name, level, kind, parent in [(CITY, "扬州市", "city", "市", None), (COUNTY, "广陵区", "county", "县级", CITY),
                                            (TOWN, "东关街道", "town", "街道", COUNTY)]:
        Division.objects.get_or_create(code=code, defaults=dict(name=name, level=level, kind=kind, parent_id=parent))
    classes.load_seed(division_code=CITY)
    centre = User.objects.create(username=f"bench-open311-{time.time_ns()}", division_id=COUNTY,
                                 roles=[Role.COUNTY_COMMAND])
    issued = services.apikey_create(user=centre, name="bench", division=Division.objects.get(code=COUNTY),
                                    scopes=["events:create"], rate_per_minute=100_000)
    return centre, issued.text


def run(ctx: Context) -> None:
    from django.db import transaction
    from django.test import Client
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    from core import audit

    n = 20 if ctx.tiny else 1000
    ctx.dataset["open311.requests"] = n
    stamp = time.time_ns()
    try:
        with override_settings(OUTBOX_KICK=False), transaction.atomic(), audit.acting_as(name="bench", source="bench"):
            centre, key = _world()
            open311 = Client()
            native = APIClient()
            native.force_authenticate(centre)

            def post_open311(i: int) -> None:
                body = urlencode({"api_key": key, "service_code": "06010", "address_string": "扬州市广陵区东关街道",
                                  "description": f"Open311 第{i}处垃圾", "client_id": f"bench-{stamp}-{i}"})
                r = open311.post("/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded")
                assert r.status_code == 201, r.content

            def post_native(i: int) -> None:
                r = native.post("/api/events/", {"channel": "system", "category": "06010",
                                                 "address": "扬州市广陵区东关街道", "description": f"原生第{i}处垃圾",
                                                 "client_id": f"bench-native-{stamp}-{i}"}, format="json")
                assert r.status_code == 201, r.content

            post_open311(-1)
            post_native(-1)   # warm both paths (class cache, division names, responsibility cache)
            native_rate = _measure(n, post_native)
            open311_rate = _measure(n, post_open311)
            db = "postgres" if ctx.vendor == "postgresql" else ctx.vendor   # DESIGN.md §7 names
            ctx.record(f"open311.{db}.throughput", open311_rate, "requests/s", limit=native_rate,
                       limit_name=f"intake.{db}.throughput (POST /api/events/, same run)")
            raise _Rollback
    except _Rollback:
        pass
