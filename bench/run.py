"""Benchmark harness (DESIGN.md §7). See bench/README.md."""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))


@dataclass
class Context:
    tiny: bool
    vendor: str = ""
    records: list[dict] = field(default_factory=list)
    dataset: dict = field(default_factory=dict)
    failed: bool = False
    shared: dict[str, Any] = field(default_factory=dict)   # what cases share within one run (the stack)
    closers: list[Callable[[Context], None]] = field(default_factory=list)

    def record(self, name: str, value: float, unit: str, *, limit: float | None = None,
               limit_name: str | None = None) -> None:
        row: dict[str, Any] = {"name": name, "value": round(value, 4), "unit": unit}
        if limit is not None:
            row["limit"] = round(limit, 4)
            row["limit_name"] = limit_name or "baseline"
            row["ratio"] = round(value / limit, 3) if limit else None
        self.records.append(row)
        print(f"  {name:<40} {row['value']:>12} {unit}" + (f"  (limit {row['limit']} {unit}, ratio {row['ratio']})"
                                                         if limit is not None else ""))

    def alias(self, name: str, of: str) -> None:
        """Record `name` as the same figure as the already recorded `of` (its value, limit and ratio),
        marked `"alias_of": of` — the issue's flagship names over the cases' detailed ones."""
        row = next(r for r in reversed(self.records) if r["name"] == of)
        self.records.append({**row, "name": name, "alias_of": of})
        print(f"  {name:<40} = {of}")

    def on_close(self, closer: Callable[[Context], None]) -> None:
        """Call `closer(ctx)` when the run ends (last registered first), whether the cases succeeded
        or not (`ctx.failed` says which): processes a case started for the whole run."""
        self.closers.append(closer)

    def close(self) -> None:
        while self.closers:
            self.closers.pop()(self)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[index]


def _fresh(database_url: str) -> None:
    """Make the bench database afresh, as every run needs it (the cases build their data there and
    some cannot build it twice): a SQLite file removed, a PostgreSQL database dropped and created
    from the server's `postgres` database. A server's own databases are refused."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(database_url)
    if parts.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(parts.path + suffix).unlink(missing_ok=True)
        Path(parts.path).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    if name in {"", "postgres", "template0", "template1"}:
        raise SystemExit(f"BENCH_DATABASE_URL must name a database of the benchmark's own (it is dropped and "
                         f"made again for every run), not {name or 'none'!r}")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _setup(database_url: str | None) -> str:
    database_url = database_url or f"sqlite:///{REPO / 'var' / 'bench' / 'bench.sqlite3'}"
    _fresh(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HUEY_IMMEDIATE", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def _memory_gb() -> float | None:
    try:
        line = next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal:"))
    except (OSError, StopIteration):
        return None
    return round(int(line.split()[1]) / 1024 / 1024, 1)


def _commit() -> str:
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=REPO, text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true", help="tiny datasets (the suite's harness check)")
    parser.add_argument("--only", action="append", help="run only these cases")
    parser.add_argument("--out", help="result file (default bench/results/<date>-<database>.json)")
    args = parser.parse_args(argv)
    vendor = _setup(os.environ.get("BENCH_DATABASE_URL"))
    ctx = Context(tiny=args.tiny, vendor=vendor)
    names = sorted(p.stem for p in (REPO / "bench" / "cases").glob("*.py") if not p.stem.startswith("_"))
    if args.only and set(args.only) - set(names):
        parser.error(f"no such case: {', '.join(sorted(set(args.only) - set(names)))}")
    cases = {name: importlib.import_module(f"bench.cases.{name}") for name in names
             if not args.only or name in args.only}
    for module in cases.values():   # what a case needs on this machine, checked before hours of running
        if hasattr(module, "preflight"):
            module.preflight(ctx)
    run_started = time.monotonic()
    ctx.dataset["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    try:
        for name, module in cases.items():
            print(f"[{name}]")
            started = time.monotonic()
            module.run(ctx)
            print(f"  ({time.monotonic() - started:.1f}s)")
    except BaseException:
        ctx.failed = True
        raise
    finally:
        print("[after the run]")
        ctx.close()
    ctx.dataset["run_seconds"] = round(time.monotonic() - run_started, 1)
    ctx.dataset["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "date": dt.date.today().isoformat(),
        "commit": _commit(),
        "database": vendor,
        "tiny": args.tiny,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "processor": platform.processor(), "memory_gb": _memory_gb()},
        "dataset": ctx.dataset,
        "results": ctx.records,
    }
    out = Path(args.out) if args.out else REPO / "bench" / "results" / f"{dt.date.today()}-{vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main()
