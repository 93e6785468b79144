"""export.*: peak memory of a key's bulk export of events — CSV streamed, Excel through the
write-only writer with the timelines sheet — in a fresh process, beside the same process doing
nothing but reading the events' ids (the floor of a Django process on this data).

Figures (MB, peak resident set of the exporting process, `VmHWM` of /proc/self/status):
- `export.csv.peak_memory` and `export.xlsx.peak_memory` (target < 300 MB for 1,000,000 events),
  each with the limit `export.baseline` (Django set up, the events counted).
The events are written with bulk inserts (one report step each; the intake's cost is measured by
the intake cases, not here) and deleted again at the end.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.run import REPO, Context

MARK = "bench-export"
CHILD = r"""
import os, sys, tempfile
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from events.models import Event
from sharing import exports
qs = Event.objects.filter(description=sys.argv[2])
what = sys.argv[1]
if what == "baseline":
    sum(1 for _ in qs.values_list("pk", flat=True).iterator(chunk_size=2000))
elif what == "csv":
    lines = sum(chunk.count(b"\n") for chunk in exports.csv_response(qs, "x.csv").streaming_content)
    sys.stderr.write(f"csv lines {lines}\n")
else:
    from core.reports import xlsx
    from itertools import chain
    sheets = chain(exports.split_sheets("事件", exports.HEADER, exports._rows(qs)),
                   exports.split_sheets("处理过程", exports.STEP_HEADER, exports._step_rows(qs)))
    with tempfile.TemporaryFile() as fh:
        xlsx.write(fh, sheets, title="事件导出", area="bench")
        sys.stderr.write(f"xlsx bytes {fh.tell()}\n")
# VmHWM: the peak RSS of this program (ru_maxrss would carry the forking parent's over exec)
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")))
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


def _peak(what: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", CHILD, what, MARK], cwd=REPO / "src", env=env, capture_output=True,
                         text=True, check=True, timeout=7200)
    if out.stderr.strip():
        print("  " + out.stderr.strip().splitlines()[-1])
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # VmHWM is in kB


def run(ctx: Context) -> None:
    n = int(os.environ.get("BENCH_EXPORT_EVENTS") or (300 if ctx.tiny else 1_000_000))
    ctx.dataset["export.events"] = n
    t0 = time.monotonic()
    _make(n)
    print(f"  ({n} events written in {time.monotonic() - t0:.0f}s)")
    try:
        baseline = _peak("baseline")
        for what in ("csv", "xlsx"):
            ctx.record(f"export.{what}.peak_memory", _peak(what), "MB", limit=baseline,
                       limit_name="export.baseline (Django set up, the events' ids read)")
    finally:
        _clean()
