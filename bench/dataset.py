"""A prepared benchmark dataset: the Yangzhou world and a year of generated events, built once and
reused by every case that reads or writes events at scale (bench/cases/_events_world.py `dataset`).

    .venv/bin/python bench/dataset.py postgres://postgres@127.0.0.1:55432/bench_year --days 365
    .venv/bin/python bench/dataset.py sqlite:////abs/path/bench_year.sqlite3 --days 365
    BENCH_DATASET_URL=<the same URL> BENCH_DATABASE_URL=… .venv/bin/python bench/run.py

The database is dropped and created again (a SQLite file removed), migrated, the world built by
bench/cases/_events_world.py (the demo's loaders, no flows, no events), then the events generator
run in a child process (`generate_events` as the command runs it: outside a transaction, days
written by the writer thread). How it went — days, rate, events, steps, wall and CPU seconds of
the generating process, the database server's CPU on PostgreSQL (this script's server only:
the postmaster and its children, read from /proc), the load average before and after, the size
on disk — is stored (PostgreSQL is VACUUM ANALYZEd after the load) in the dataset itself, in a
table `bench_dataset` (one JSON row, not a Django model), which `info(url)` reads back for the cases.

Without `BENCH_DATASET_URL` the run makes (once, then keeps) a dataset of its own beside the bench
database; `--tiny` always makes a tiny one.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

ENV = "BENCH_DATASET_URL"
YEAR_DAYS = 365
YEAR_RATE = 1500.0  # = events.generator.DEFAULT_RATE (bench/test_harness.py checks): Yangzhou, ≈ 550,000 a year


def _server_cpu(url: str) -> float | None:
    """CPU seconds used so far by the PostgreSQL server of `url` when it runs on this machine and
    we can read its postmaster.pid (the bench's own server); None otherwise."""
    if not url.startswith("postgres"):
        return None
    data = os.environ.get("BENCH_PGDATA")
    if not data:
        return None
    try:
        postmaster = int(Path(data, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    total = 0
    main = fields(postmaster)
    total += sum(int(x) for x in main[11:15])  # utime, stime, cutime, cstime (exited children)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                f = fields(int(entry.name))
            except OSError:
                continue
            if int(f[1]) == postmaster:
                total += int(f[11]) + int(f[12])
    return total / tick


def _size(url: str) -> int:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return sum(Path(parts.path + s).stat().st_size for s in ("", "-wal") if Path(parts.path + s).exists())
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0


def _analyze(url: str) -> float | None:
    """PostgreSQL: VACUUM ANALYZE after the bulk load — statistics as `load_demo` gathers them (a
    planner without statistics for millions of fresh rows picks poor plans until autovacuum gets
    there) and the visibility map (index-only scans), which the run's copies inherit. Seconds taken."""
    if not url.startswith("postgres"):
        return None
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return round(time.perf_counter() - started, 1)


def _store(url: str, info: dict[str, Any]) -> None:
    text = json.dumps(info, ensure_ascii=False)
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(parts.path) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_dataset (info TEXT NOT NULL)")
            conn.execute("DELETE FROM bench_dataset")
            conn.execute("INSERT INTO bench_dataset (info) VALUES (?)", [text])
        return
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_dataset (info TEXT NOT NULL)")
        conn.execute("DELETE FROM bench_dataset")
        conn.execute("INSERT INTO bench_dataset (info) VALUES (%s)", [text])


def info(url: str) -> dict[str, Any]:
    """How the prepared dataset at `url` was made (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(parts.path) as conn:
            row = conn.execute("SELECT info FROM bench_dataset").fetchone()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            row = conn.execute("SELECT info FROM bench_dataset").fetchone()
    if row is None:
        raise SystemExit(f"{url} is not a prepared dataset (no bench_dataset row): run bench/dataset.py first")
    return dict(json.loads(row[0]))


def prepared() -> str | None:
    """The prepared dataset's URL when `BENCH_DATASET_URL` names one (and not in --tiny runs)."""
    return os.environ.get(ENV) or None


def _from_template(url: str, admin: str, template: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def prepare(url: str, *, days: int, rate: float, admin_url: str | None = None,
            world_template: str | None = None, tiny: bool = False) -> dict[str, Any]:
    """Build the dataset at `url` (dropped and created again) and return how it went.
    `world_template` (PostgreSQL): copy a database holding the built world instead of building it;
    `tiny`: the events tests' small world (the harness check in `--tiny` runs)."""
    from bench.cases import _events_world

    admin = admin_url or url.rsplit("/", 1)[0] + "/postgres"
    started = time.perf_counter()
    if world_template:
        _from_template(url, admin, world_template)
        built = {"world": f"Yangzhou demo without flows, copied from database {world_template} (built by "
                          "bench/cases/_events_world.py build)"}
    else:
        _events_world._recreate(url, admin)
        built = _events_world.run_script(url, "build", *(["--tiny"] if tiny else []), timeout=3 * 3600)
    world_s = time.perf_counter() - started
    load_before = [round(x, 2) for x in os.getloadavg()]
    server_before = _server_cpu(url)
    started = time.perf_counter()
    stats = _events_world.run_script(url, "generate", str(days), str(rate), timeout=12 * 3600)
    wall = time.perf_counter() - started
    server_after = _server_cpu(url)
    analyze_s = _analyze(url)
    result = {
        "url": url.split("@")[-1], "days": days, "rate": rate, "world": built["world"], "world_s": round(world_s, 1),
        "events": stats["events"], "steps": stats["steps"], "audit_rows": stats["audit_rows"],
        "generate_wall_s": round(wall, 1), "generate_s": round(stats["seconds"], 1),
        "generate_cpu_s": round(stats["cpu"], 1), "generate_parts_s": {k: round(v, 1) for k, v in stats["parts"].items()},
        "generate_rate": round(stats["rate"], 1), "pipelined": stats.get("pipelined"),
        "server_cpu_s": round(server_after - server_before, 1) if server_before is not None and server_after is not None
        else None,
        "analyze_s": analyze_s, "load_before": load_before, "load_after": [round(x, 2) for x in os.getloadavg()],
        "bytes": _size(url), "commit": subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                                                      text=True).stdout.strip(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    _store(url, result)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the dataset's database URL (postgres://…/name or sqlite:////abs/path)")
    parser.add_argument("--days", type=int, default=YEAR_DAYS)
    parser.add_argument("--rate", type=float, default=YEAR_RATE, help="events a day (default: the generator's own)")
    parser.add_argument("--admin-url", help="PostgreSQL URL to drop/create the database from (default …/postgres)")
    parser.add_argument("--world-template", help="PostgreSQL: copy the world from this database instead of building it")
    args = parser.parse_args(argv)
    print(json.dumps(prepare(args.url, days=args.days, rate=args.rate, admin_url=args.admin_url,
                             world_template=args.world_template), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
