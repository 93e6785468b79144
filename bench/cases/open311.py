"""open311.*: throughput of Open311 `POST requests.json` (form-encoded, `api_key` in the body, as
GeoReport v2 clients send it) beside the platform's own intake endpoint `POST /api/events/` in the
same run, both through Django's test client in one process, both ending in `event_report`.

Figures: `open311.<database>.throughput` (requests/s) with the limit `intake.<database>.throughput`
of the native endpoint. The events test world (events/tests/factory.py: divisions, catalog, grids,
classes, users) is built through the real services inside a transaction that is rolled back at the
end, so the run leaves nothing behind (each request's own transaction is then a savepoint).
"""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from bench.run import Context


class _Rollback(Exception):
    pass


def _measure(n: int, send: Any) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        send(i)
    return n / (time.perf_counter() - t0)


def run(ctx: Context) -> None:
    from django.db import transaction
    from django.test import Client
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    from events.tests import factory
    from sharing.tests import fixtures

    n = 20 if ctx.tiny else 1000
    ctx.dataset["open311.requests"] = n
    try:
        with override_settings(OUTBOX_KICK=False), transaction.atomic():
            ew = factory.build()
            issued = fixtures.key(ew, "321002000000", ["events:create"], rate=100_000)
            lat, lng = factory.point_in(ew.grid_a)
            open311 = Client()

            def post_open311(i: int) -> None:
                body = urlencode({"api_key": issued.text, "service_code": "06010", "lat": lat, "long": lng,
                                  "description": f"Open311 第{i}处垃圾", "client_id": f"bench-{i}"})
                r = open311.post("/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded")
                assert r.status_code == 201, r.content

            native = APIClient()
            native.force_authenticate(ew.users["county_centre"])

            def post_native(i: int) -> None:
                r = native.post("/api/events/", {"channel": "system", "category": "06010", "lat": lat, "lng": lng,
                                                 "description": f"原生第{i}处垃圾", "client_id": f"bench-native-{i}"},
                                format="json")
                assert r.status_code == 201, r.content

            post_open311(-1)
            post_native(-1)   # warm both paths (class cache, grid index, responsibility cache)
            native_rate = _measure(n, post_native)
            open311_rate = _measure(n, post_open311)
            db = "postgres" if ctx.vendor == "postgresql" else ctx.vendor   # DESIGN.md §7 names
            ctx.record(f"open311.{db}.throughput", open311_rate, "requests/s", limit=native_rate,
                       limit_name=f"intake.{db}.throughput (POST /api/events/, same run)")
            raise _Rollback
    except _Rollback:
        pass
