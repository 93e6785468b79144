"""command_screen.<db>.*: the command-centre screen (/command/) for the city and for one town, on
this run's copy of the generated dataset (bench/cases/_events_world.py: the Yangzhou world and
`manage.py generate_events --days 365`, about 550,000 events; tiny: two days).

In a child process on that copy (this module as a script), Django's test client — the view, its
selectors, the template and every middleware, no HTTP server — signed in as a city command account
and as 东关街道's town command account, measures:

- `command_screen.<db>.<who>.first.p50/p95` (ms): `GET /command/` — the whole first load (the page
  with every part of the state embedded), `FIRST_N` times after one unmeasured load;
- `command_screen.<db>.<who>.refresh.p50/p95` (ms): one refresh cycle with nothing changed —
  `GET /command/state/` with `If-None-Match` answered 304, `REFRESH_N` times;
- `….first.cpu.p50` / `….refresh.cpu.p50` (ms): the CPU time of the measuring process per request
  (the database server's time is not in it), the part that does not depend on what else runs;
- `command_screen.<db>.<who>.page_weight` (bytes): the first load's HTML, which embeds the state
  JSON (`json_script`); `….state_bytes`: that state JSON alone; `….assets_bytes`: the local CSS and
  JS the page loads (cached by the browser after the first visit); `….gzip_bytes`: the HTML gzipped.

The issue's targets (< 300 ms first load, < 50 ms unchanged refresh) are the limits beside them.
`command_screen.<db>.p50` / `.p95` (issue 15's names) are the city's first load,
`command_screen.<db>.city.first.p50` / `.p95`, recorded again under those names.
The load average when the case started is in the result's `dataset`.
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

    url = _events_world.dataset(ctx)
    load = [round(x, 2) for x in os.getloadavg()]
    args = [sys.executable, __file__, str(3 if ctx.tiny else FIRST_N), str(5 if ctx.tiny else REFRESH_N)]
    out = subprocess.run(args, env=_events_world.env_for(url), cwd=REPO, check=True, capture_output=True, text=True,
                         timeout=7200)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    db = DB_NAMES[connection.vendor]
    ctx.dataset["command_screen"] = {"load_average_before": load, "events": result["events"],
                                     "open_events": result["open"], "town": TOWN,
                                     "town_open_events": result["town_open"]}
    for who, figures in result["viewers"].items():
        for kind, limit in (("first", 300.0), ("refresh", 50.0)):
            for q in ("p50", "p95"):
                ctx.record(f"command_screen.{db}.{who}.{kind}.{q}", figures[kind][q], "ms", limit=limit,
                           limit_name=f"issue 10 target for the {'first load' if kind == 'first' else 'unchanged refresh'}")
            ctx.record(f"command_screen.{db}.{who}.{kind}.cpu.p50", figures[kind]["cpu_p50"], "ms")
        for name in ("page_weight", "state_bytes", "gzip_bytes", "assets_bytes"):
            ctx.record(f"command_screen.{db}.{who}.{name}", figures[name], "bytes")
    for q in ("p50", "p95"):  # issue 15's names: the city command centre's first load
        ctx.alias(f"command_screen.{db}.{q}", of=f"command_screen.{db}.city.first.{q}")


# ---------------------------------------------------------------- the child process

def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))]


def _assets(html: str) -> int:
    """Bytes of the local CSS and JS the page loads."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    total = 0
    for ref in set(re.findall(r'(?:src|href)="(' + re.escape(settings.STATIC_URL) + r'[^"]+)"', html)):
        found = finders.find(ref[len(settings.STATIC_URL):].split("?")[0])
        if isinstance(found, str):
            total += Path(found).stat().st_size
    return total


def _state_bytes(html: str) -> int:
    """Bytes of the state JSON the page embeds (`<script id="command-state" type="application/json">`)."""
    found = re.search(r'<script id="command-state" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None, "the page embeds no command-state"
    return len(found.group(1).encode())


def _timed(samples: list[float], cpu: list[float], send: Any) -> Any:
    started, cpu_started = time.perf_counter(), time.process_time()
    answer = send()
    samples.append((time.perf_counter() - started) * 1000)
    cpu.append((time.process_time() - cpu_started) * 1000)
    return answer


def _measure(user: Any, first_n: int, refresh_n: int) -> dict[str, Any]:
    import gzip

    from django.test import Client

    client = Client()
    client.force_login(user)
    page = client.get("/command/")
    assert page.status_code == 200, page.status_code
    first: list[float] = []
    first_cpu: list[float] = []
    for _ in range(first_n):
        page = _timed(first, first_cpu, lambda: client.get("/command/"))
    etag = client.get("/command/state/")["ETag"]
    refresh: list[float] = []
    refresh_cpu: list[float] = []
    for _ in range(refresh_n):
        answer = _timed(refresh, refresh_cpu, lambda: client.get("/command/state/", HTTP_IF_NONE_MATCH=etag))
        assert answer.status_code == 304, answer.status_code
    html = page.content.decode()
    return {"first": {"p50": _percentile(first, 50), "p95": _percentile(first, 95),
                      "cpu_p50": _percentile(first_cpu, 50)},
            "refresh": {"p50": _percentile(refresh, 50), "p95": _percentile(refresh, 95),
                        "cpu_p50": _percentile(refresh_cpu, 50)},
            "page_weight": len(page.content), "state_bytes": _state_bytes(html),
            "gzip_bytes": len(gzip.compress(page.content)), "assets_bytes": _assets(html)}


def main(argv: list[str]) -> None:
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()
    from accounts.models import User
    from core import audit
    from core.roles import Role
    from events.lifecycle import StateKind
    from events.models import Event

    first_n, refresh_n = int(argv[0]), int(argv[1])
    with audit.acting_as(name="bench", source="bench"):
        city, _ = User.objects.get_or_create(username="bench-command-city", defaults=dict(
            division_id="321000000000", roles=[Role.CITY_COMMAND], is_synthetic=True))
        town, _ = User.objects.get_or_create(username="bench-command-town", defaults=dict(
            division_id=TOWN, roles=[Role.TOWN_COMMAND], is_synthetic=True))
    viewers = {"city": _measure(city, first_n, refresh_n), "town": _measure(town, first_n, refresh_n)}
    opened = Event.objects.filter(state_kind=StateKind.OPEN)
    print(json.dumps({"events": Event.objects.count(), "open": opened.count(),
                      "town_open": opened.filter(division__code__startswith=TOWN[:9]).count(), "viewers": viewers}))


if __name__ == "__main__":
    main(sys.argv[1:])
