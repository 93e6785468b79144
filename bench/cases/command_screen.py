"""command_screen.<db>.*: the command-centre screen (/command/) for the city and for one town, on
the events benchmarks' own database (bench/cases/_events_world.py) with generated events.

In a child process on that database (this module as a script): `events.generator` fills
`BENCH_COMMAND_DAYS` days (default 30; the acceptance asks for 365 — set it for a full run; tiny:
one day at 60 events) unless the database already holds that many days, then Django's test
client, signed in as a city command account and as 东关街道's town command account, measures:

- `command_screen.<db>.<who>.first.p50/p95` (ms): `GET /command/` — the whole first load (the page
  with every part of the state embedded), `FIRST_N` times;
- `command_screen.<db>.<who>.refresh.p50/p95` (ms): one refresh cycle with nothing changed —
  `GET /command/state/` with `If-None-Match` answered 304, `REFRESH_N` times;
- `command_screen.<db>.<who>.page_weight` (bytes): the HTML plus the local CSS/JS it loads.

The issue's targets (< 300 ms first load, < 50 ms unchanged refresh) are the limits beside them.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DB_NAMES = {"postgresql": "postgres", "sqlite": "sqlite"}
TOWN = "321002001000"
FIRST_N, REFRESH_N = 20, 100


def run(ctx: Any) -> None:
    from django.db import connection

    from bench.cases import _events_world

    url = _events_world.ensure(ctx)
    days = 1 if ctx.tiny else int(os.environ.get("BENCH_COMMAND_DAYS", "30"))
    rate = 60 if ctx.tiny else 1500
    args = [sys.executable, __file__, str(days), str(rate), str(3 if ctx.tiny else FIRST_N),
            str(5 if ctx.tiny else REFRESH_N)]
    out = subprocess.run(args, env=_events_world.env_for(url), cwd=REPO, check=True, capture_output=True, text=True,
                         timeout=7200)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    db = DB_NAMES[connection.vendor]
    ctx.dataset["command_screen"] = {"days": days, "rate": rate, "events": result["events"],
                                     "open_events": result["open"]}
    for who, figures in result["viewers"].items():
        for kind, limit in (("first", 300.0), ("refresh", 50.0)):
            for q in ("p50", "p95"):
                ctx.record(f"command_screen.{db}.{who}.{kind}.{q}", figures[kind][q], "ms", limit=limit,
                           limit_name=f"issue 10 target for the {'first load' if kind == 'first' else 'unchanged refresh'}")
        ctx.record(f"command_screen.{db}.{who}.page_weight", figures["page_weight"], "bytes")


# ---------------------------------------------------------------- the child process

def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))]


def _page_weight(html: str) -> int:
    from django.conf import settings
    from django.contrib.staticfiles import finders

    total = len(html.encode())
    for ref in set(re.findall(r'(?:src|href)="(' + re.escape(settings.STATIC_URL) + r'[^"]+)"', html)):
        found = finders.find(ref[len(settings.STATIC_URL):])
        if isinstance(found, str):
            total += Path(found).stat().st_size
    return total


def _measure(user: Any, first_n: int, refresh_n: int) -> dict[str, Any]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    page = client.get("/command/")
    assert page.status_code == 200, page.status_code
    first: list[float] = []
    for _ in range(first_n):
        started = time.perf_counter()
        page = client.get("/command/")
        first.append((time.perf_counter() - started) * 1000)
    etag = client.get("/command/state/")["ETag"]
    refresh: list[float] = []
    for _ in range(refresh_n):
        started = time.perf_counter()
        answer = client.get("/command/state/", HTTP_IF_NONE_MATCH=etag)
        refresh.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 304, answer.status_code
    return {"first": {"p50": _percentile(first, 50), "p95": _percentile(first, 95)},
            "refresh": {"p50": _percentile(refresh, 50), "p95": _percentile(refresh, 95)},
            "page_weight": _page_weight(page.content.decode())}


def main(argv: list[str]) -> None:
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()
    import datetime as dt

    from django.utils import timezone

    from accounts.models import User
    from core import audit
    from core.roles import Role
    from events import generator
    from events.lifecycle import StateKind
    from events.models import Event

    days, rate, first_n, refresh_n = int(argv[0]), float(argv[1]), int(argv[2]), int(argv[3])
    first_day = timezone.localtime() - dt.timedelta(days=days)
    if not Event.objects.filter(reported_at__lte=first_day + dt.timedelta(days=1)).exists():
        generator.generate(days=days, rate=rate, seed=11)
    with audit.acting_as(name="bench", source="bench"):
        city, _ = User.objects.get_or_create(username="bench-command-city", defaults=dict(
            division_id="321000000000", roles=[Role.CITY_COMMAND], is_synthetic=True))
        town, _ = User.objects.get_or_create(username="bench-command-town", defaults=dict(
            division_id=TOWN, roles=[Role.TOWN_COMMAND], is_synthetic=True))
    viewers = {"city": _measure(city, first_n, refresh_n), "town": _measure(town, first_n, refresh_n)}
    print(json.dumps({"events": Event.objects.count(),
                      "open": Event.objects.filter(state_kind=StateKind.OPEN).count(), "viewers": viewers}))


if __name__ == "__main__":
    main(sys.argv[1:])
