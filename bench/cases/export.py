"""export.*: peak memory of a key's bulk export of events — CSV streamed, Excel through the
write-only writer with the timelines sheet — in a fresh process, beside the same process doing
nothing but reading the events' ids (the floor of a Django process on this data).

Figures (MB, peak resident set of the exporting process, `VmHWM` of /proc/self/status):
- `export.csv.peak_memory` and `export.xlsx.peak_memory` (target < 300 MB for 1,000,000 events),
  each with the limit `export.baseline` (Django set up, the events counted);
- `export.<what>.time` and `.cpu` (s) of the same process, and `export.xlsx.sheets` (Excel holds
  1,048,576 rows a sheet: the events continue on 事件(2)…, the steps on 处理过程(2)…).

Data: with `BENCH_DATASET_URL` (bench/dataset.py) every event of the prepared dataset — a year of
generated events with their whole timelines (about 7.4 steps each, so the steps sheet runs over
several sheets) — else N events written here with bulk inserts (one report step each;
`BENCH_EXPORT_EVENTS`, default 1,000,000) and deleted again at the end.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.run import REPO, Context

MARK = "bench-export"
CHILD = r"""
import json, os, sys, tempfile, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from events.models import Event
from sharing import exports
qs = Event.objects.all() if sys.argv[2] == "*" else Event.objects.filter(description=sys.argv[2])
what = sys.argv[1]
out = {}
wall, cpu = time.perf_counter(), time.process_time()
if what == "baseline":
    out["rows"] = sum(1 for _ in qs.values_list("pk", flat=True).iterator(chunk_size=2000))
elif what == "csv":
    size = lines = 0
    for chunk in exports.csv_response(qs, "x.csv").streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    out.update(rows=lines - 1, bytes=size)
else:
    from core.reports import xlsx
    from itertools import chain
    names = []
    def named(sheets):
        for sheet in sheets:
            names.append(sheet.name)
            yield sheet
    sheets = chain(exports.split_sheets("事件", exports.HEADER, exports._rows(qs)),
                   exports.split_sheets("处理过程", exports.STEP_HEADER, exports._step_rows(qs)))
    with tempfile.TemporaryFile() as fh:
        xlsx.write(fh, named(sheets), title="事件导出", area="bench")
        out.update(bytes=fh.tell(), sheets=names)
out.update(seconds=time.perf_counter() - wall, cpu=time.process_time() - cpu)
# VmHWM: the peak RSS of this program (ru_maxrss would carry the forking parent's over exec)
out["peak_kb"] = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps(out, ensure_ascii=False))
"""


def _make(n: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from divisions.models import Division
    from events.models import Event, Step

    for code, name, level, kind, parent in [("321000000000", "扬州市", "city", "市", None),
                                            ("321002000000", "广陵区", "county", "县级", "321000000000"),
                                            ("321002106000", "湾头镇", "town", "镇", "321002000000")]:
        Division.objects.get_or_create(code=code, defaults=dict(name=name, level=level, kind=kind, parent_id=parent))
    now = timezone.now()
    batch = 5000
    for start in range(0, n, batch):
        with transaction.atomic():
            events = [Event(description=MARK, channel="hotline", location_status="reporter", division_id="321002106000",
                            town_id="321002106000", county_id="321002000000", address=f"湾头镇 {i} 号",
                            client_id=f"{MARK}-{i}", lat=32.4 + i * 1e-7, lng=119.4, reported_at=now, is_synthetic=True)
                      for i in range(start, min(n, start + batch))]
            Event.objects.bulk_create(events)
            Step.objects.bulk_create([Step(event=e, seq=1, action="report", to_state="reported", level="town",
                                           actor_name="bench", at=now, note=MARK) for e in events])


def _clean() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM events_step WHERE event_id IN (SELECT id FROM events_event WHERE description = %s)",
                       [MARK])
        cursor.execute("DELETE FROM events_event WHERE description = %s", [MARK])


def _export(what: str, which: str, database_url: str | None = None) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    if database_url:
        env["DATABASE_URL"] = database_url
    out = subprocess.run([sys.executable, "-c", CHILD, what, which], cwd=REPO / "src", env=env, capture_output=True,
                         text=True, check=True, timeout=6 * 3600)
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {what}: " + ", ".join(f"{k} {v}" for k, v in found.items() if k != "sheets"))
    return found


def run(ctx: Context) -> None:
    from bench import dataset

    url = None if ctx.tiny else dataset.prepared()
    if url:
        which = "*"
        info = dataset.info(url)
        ctx.dataset["export.dataset"] = {k: info[k] for k in ("url", "days", "rate", "events", "steps")}
        n = int(info["events"])
    else:
        which = MARK
        n = int(os.environ.get("BENCH_EXPORT_EVENTS") or (300 if ctx.tiny else 1_000_000))
        t0 = time.monotonic()
        _make(n)
        print(f"  ({n} events written in {time.monotonic() - t0:.0f}s)")
    ctx.dataset["export.events"] = n
    try:
        baseline = _export("baseline", which, url)
        for what in ("csv", "xlsx"):
            ctx.dataset[f"export.{what}.load_average_before"] = [round(x, 2) for x in os.getloadavg()]
            found = _export(what, which, url)
            ctx.record(f"export.{what}.peak_memory", found["peak_kb"] / 1024, "MB", limit=baseline["peak_kb"] / 1024,
                       limit_name="export.baseline (Django set up, the events' ids read)")
            ctx.record(f"export.{what}.time", found["seconds"], "s")
            ctx.record(f"export.{what}.cpu", found["cpu"], "s")
            ctx.dataset[f"export.{what}.bytes"] = found["bytes"]
            if what == "xlsx":
                ctx.record("export.xlsx.sheets", len(found["sheets"]), "sheets")
                ctx.dataset["export.xlsx.sheet_names"] = found["sheets"]
    finally:
        if not url:
            _clean()
