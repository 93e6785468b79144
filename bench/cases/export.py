"""export.*: peak memory of a key's bulk export of events — CSV streamed, Excel through the
write-only writer with the timelines sheet — in a fresh process, beside the same process doing
nothing but reading the events' ids (the floor of a Django process on this data).

Figures (MB, peak resident set of the exporting process, `VmHWM` of /proc/self/status):
- `export.csv.peak_memory` and `export.xlsx.peak_memory` (target < 300 MB for 1,000,000 rows),
  each with the limit `export.baseline` (Django set up, the events counted);
  `export.peak_memory` (issue 15's name) is the larger of the two, recorded again under that name
  (`alias_of` says which; on the year's dataset the Excel file, events and steps);
- `export.<what>.time` and `.cpu` (s) of the same process, and `export.xlsx.sheets` (Excel holds
  1,048,576 rows a sheet: the events continue on 事件(2)…, the steps on 处理过程(2)…); the rows
  written are in the result's dataset (`export.<what>.rows`).

Data: every event of this run's copy of the generated dataset (bench/cases/_events_world.py: a
year of events with their whole timelines, about 550,000 events and 7.9 steps each, so the steps
sheet runs over several sheets; tiny: two days).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from bench.run import REPO, Context

CHILD = r"""
import json, os, sys, tempfile, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from events.models import Event
from sharing import exports
qs = Event.objects.all()
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
    rows = [0]
    def counted(sheet_rows):
        for row in sheet_rows:
            rows[0] += 1
            yield row
    def named(sheets):
        for sheet in sheets:
            names.append(sheet.name)
            yield sheet
    sheets = chain(exports.split_sheets("事件", exports.HEADER, counted(exports._rows(qs))),
                   exports.split_sheets("处理过程", exports.STEP_HEADER, counted(exports._step_rows(qs))))
    with tempfile.TemporaryFile() as fh:
        xlsx.write(fh, named(sheets), title="事件导出", area="bench")
        out.update(bytes=fh.tell(), sheets=names, rows=rows[0])
out.update(seconds=time.perf_counter() - wall, cpu=time.process_time() - cpu)
# VmHWM: the peak RSS of this program (ru_maxrss would carry the forking parent's over exec)
out["peak_kb"] = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps(out, ensure_ascii=False))
"""


def _export(what: str, database_url: str) -> dict[str, Any]:
    from bench.cases import _events_world

    out = subprocess.run([sys.executable, "-c", CHILD, what], cwd=REPO / "src", env=_events_world.env_for(database_url),
                         capture_output=True, text=True, check=True, timeout=6 * 3600)
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {what}: " + ", ".join(f"{k} {v}" for k, v in found.items() if k != "sheets"))
    return found


def run(ctx: Context) -> None:
    from bench.cases import _events_world

    url = _events_world.dataset(ctx)
    info = ctx.dataset["events_dataset"]
    ctx.dataset["export.events"] = info["events"]
    baseline = _export("baseline", url)
    peaks = {}
    for what in ("csv", "xlsx"):
        ctx.dataset[f"export.{what}.load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        found = _export(what, url)
        peaks[what] = found["peak_kb"]
        ctx.record(f"export.{what}.peak_memory", found["peak_kb"] / 1024, "MB", limit=baseline["peak_kb"] / 1024,
                   limit_name="export.baseline (Django set up, the events' ids read)")
        ctx.record(f"export.{what}.time", found["seconds"], "s")
        ctx.record(f"export.{what}.cpu", found["cpu"], "s")
        ctx.dataset[f"export.{what}.bytes"] = found["bytes"]
        ctx.dataset[f"export.{what}.rows"] = found["rows"]
        if what == "xlsx":
            ctx.record("export.xlsx.sheets", len(found["sheets"]), "sheets")
            ctx.dataset["export.xlsx.sheet_names"] = found["sheets"]
    heavier = max(peaks, key=lambda what: peaks[what])
    ctx.alias("export.peak_memory", of=f"export.{heavier}.peak_memory")   # issue 15's name: the larger peak
