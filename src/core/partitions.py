"""Monthly range partitions of append-only history tables on PostgreSQL (issue 15 item 3).

The audit log (`core_auditlog`) and event steps (`events_step`) grow by every write of the platform
and are read almost only by recent time. On PostgreSQL each is a table `PARTITION BY RANGE ("at")`
with one partition per calendar month in `settings.TIME_ZONE` (`<table>_p2026_11` holds
2026-11-01 00:00+08:00 ≤ at < 2026-12-01 00:00+08:00) and a DEFAULT partition (`<table>_default`)
that catches any row no month partition covers, so an insert never fails for want of a partition.
SQLite (the embedded default) keeps plain tables: every function here does nothing there.

What partitioning costs, and why these two tables: a primary key or unique index of a partitioned
table must contain the partition column, so the primary key is `(id, at)` (ids stay unique: one
sequence), `(event_id, seq)` becomes `(event_id, seq, at)` (a step is still written only after the
compare-and-set on the event's version, which is what keeps one step per version), the audit
chain's `seal_seq` index becomes `(seal_seq, at)` (the sealer serialises itself with an advisory
lock instead, and `verify_audit` still names any repeated position), and nothing can hold a foreign
key to these tables (an event photo's `step` is a plain column). The events table stays whole: its
unique `(channel, client_id)` and every foreign key to it must span all rows.

`manage.py manage_partitions` (also the Huey periodic task `core.tasks.ensure_partitions`, daily)
creates the coming months ahead of time, so the DEFAULT partition stays empty; with `--archive-before`
it detaches months past their retention, writes each to a `pg_dump` custom-format file, checks the
file and drops the table. Each table registers a `Policy` (here for the audit log, in
`events.apps` for steps) with its retention and what must hold before a month leaves (the audit
chain: `core.auditchain.archive_prefix`).

Used by migrations (`core/0006`, `events/0005`): keep `convert` and `ensure` backwards compatible.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.errors import PlatformError

AHEAD = 3            # months created ahead of the current one
OLDEST_ON_CONVERT = 36  # months back from now that the conversion gives partitions of their own


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: dt.datetime | dt.date) -> Month:
        if isinstance(moment, dt.datetime):
            moment = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        found = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
        if not found or not 1 <= int(found[2]) <= 12:
            raise PlatformError(f"月份格式应为 YYYY-MM（收到 {text!r}）", code="bad_month")
        return cls(int(found[1]), int(found[2]))

    def next(self, n: int = 1) -> Month:
        index = self.year * 12 + self.month - 1 + n
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def end(self) -> dt.datetime:
        return self.next().start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Policy:
    """How one partitioned table is kept.

    `retention_days()`: a month is archived only when it ended at least this long ago (refused
    otherwise). `prepare(table, month)` runs first, outside any transaction (long checks that must
    not hold the table's lock: the audit chain's verification) and may refuse (PlatformError); its
    answer goes to `after_detach(table, month, detached_name, prepared)`, which runs inside the
    transaction of the DETACH, may move rows into the detached table or refuse (everything rolls
    back), and returns a note for the command's report."""

    table: str
    label: str
    retention_days: Callable[[], int]
    prepare: Callable[[str, Month], Any] | None = None
    after_detach: Callable[[str, Month, str, Any], str] | None = None


REGISTRY: dict[str, Policy] = {}


def register(policy: Policy) -> None:
    REGISTRY[policy.table] = policy


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def partition_name(table: str, month: Month) -> str:
    return f"{table}_p{month.year:04d}_{month.month:02d}"


def default_name(table: str) -> str:
    return f"{table}_default"


# ------------------------------------------------------------------ what is there

@dataclass
class Partition:
    name: str
    month: Month | None  # None: the DEFAULT partition
    rows: int | None = None


def partitions(table: str, *, count: bool = False) -> list[Partition]:
    """The partitions attached to `table`, months in order, DEFAULT last (empty if not partitioned)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = to_regclass(%s)", [table])
        names = [r[0] for r in cursor.fetchall()]
    out = []
    pattern = re.compile(re.escape(table) + r"_p(\d{4})_(\d{2})$")
    for name in names:
        found = pattern.match(name)
        out.append(Partition(name, Month(int(found[1]), int(found[2])) if found else None))
    out.sort(key=lambda p: (p.month is None, (p.month.year, p.month.month) if p.month else (0, 0)))
    if count:
        with connection.cursor() as cursor:
            for p in out:
                cursor.execute(f"SELECT count(*) FROM {q(p.name)}")  # noqa: S608 - our own table names
                p.rows = cursor.fetchone()[0]
    return out


def is_partitioned(table: str) -> bool:
    if not on_postgres():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
        return cursor.fetchone() is not None


def detached(table: str) -> list[str]:
    """Month tables of `table` that exist but are not attached (an archive interrupted after the detach)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE %s "
                       "AND NOT c.relispartition ORDER BY c.relname", [table.replace("_", r"\_") + r"\_p%"])
        return [r[0] for r in cursor.fetchall()]


# ------------------------------------------------------------------ creating months

def _create_month(cursor: Any, table: str, month: Month) -> str | None:
    """Create one month partition; None (and nothing done) when the DEFAULT partition already holds
    rows of that month (PostgreSQL would refuse; the rows stay where they are, still read and kept)."""
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {q(default_name(table))} "  # noqa: S608
                   f"WHERE {q('at')} >= %s AND {q('at')} < %s)", [month.start, month.end])
    if cursor.fetchone()[0]:
        return None
    name = partition_name(table, month)
    # DDL takes no parameters (server-side binding): the bounds are ISO literals we made ourselves
    cursor.execute(f"CREATE TABLE {q(name)} PARTITION OF {q(table)} "
                   f"FOR VALUES FROM ('{month.start.isoformat()}') TO ('{month.end.isoformat()}')")
    return name


@dataclass
class Ensured:
    table: str
    created: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # months whose rows already sit in DEFAULT


def ensure(table: str, *, ahead: int = AHEAD, now: dt.datetime | None = None) -> Ensured:
    """Create the partitions of the current month and the `ahead` months after it that are missing.
    Idempotent; a month whose rows already landed in DEFAULT is reported, not created."""
    result = Ensured(table)
    if not is_partitioned(table):
        return result
    have = {p.month for p in partitions(table) if p.month}
    first = Month.of(now or timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        for n in range(ahead + 1):
            month = first.next(n)
            if month in have:
                continue
            made = _create_month(cursor, table, month)
            (result.created if made else result.blocked).append(made or str(month))
    return result


# ------------------------------------------------------------------ converting a table (migrations)

def convert(schema_editor: Any, table: str, *, unique: dict[str, str]) -> None:
    """Turn the plain table `table` into one partitioned by month on `at` (PostgreSQL; no-op elsewhere).

    Rows are copied into month partitions (from the oldest row's month, at most
    `OLDEST_ON_CONVERT` months back — older rows go to DEFAULT) through `AHEAD` months ahead. Every
    index and foreign key of the old table is recreated under its own name; the primary key becomes
    `(id, at)` and each unique index named in `unique` is created by the SQL given there (it must
    contain `at`). A foreign key from another table to this one is refused: drop it first."""
    if schema_editor.connection.vendor != "postgresql":
        return
    old = f"{table}_unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text FROM pg_constraint WHERE confrelid = to_regclass(%s)", [table])
        referencing = [r[0] for r in cursor.fetchall()]
        if referencing:
            raise RuntimeError(f"{table} is referenced by foreign keys of {referencing}; drop them before partitioning")
        cursor.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisunique, "
                       "i.indisprimary FROM pg_index i WHERE i.indrelid = to_regclass(%s)", [table])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = to_regclass(%s) AND contype = 'f'", [table])
        foreign = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        missing = {name for name, _d, is_unique, primary in indexes if is_unique and not primary} - set(unique)
        if missing:
            raise RuntimeError(f"unique indexes of {table} without a partitioned form: {sorted(missing)}")

        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
        for name, _definition, _u, _p in indexes:
            cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(name[:55] + '_old')}")
        if sequence:
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {q(old + '_id_seq')}")
        cursor.execute(f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       f"INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({q('at')})")
        for name, definition, is_unique, primary in indexes:
            if primary:
                cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} PRIMARY KEY (id, {q('at')})")
            elif is_unique:
                cursor.execute(unique[name])
            else:
                on = re.sub(r" ON (?:ONLY )?\S+ USING ", f" ON {q(table)} USING ", definition, count=1)
                cursor.execute(on)
        for name, definition in foreign:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        cursor.execute(f"CREATE TABLE {q(default_name(table))} PARTITION OF {q(table)} DEFAULT")
        cursor.execute(f"SELECT min({q('at')}) FROM {q(old)}")  # noqa: S608
        (oldest,) = cursor.fetchone()
        now = timezone.now()
        first = Month.of(max(oldest, now - dt.timedelta(days=31 * OLDEST_ON_CONVERT)) if oldest else now)
        last = Month.of(now).next(AHEAD)
        month = first
        while (month.year, month.month) <= (last.year, last.month):
            _create_month(cursor, table, month)
            month = month.next()
        cursor.execute(f"INSERT INTO {q(table)} SELECT * FROM {q(old)}")  # noqa: S608 - same columns (LIKE)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                       f"COALESCE((SELECT max(id) FROM {q(table)}), 1), "  # noqa: S608
                       f"(SELECT count(*) > 0 FROM {q(table)}))", [table])
        cursor.execute(f"DROP TABLE {q(old)}")


def unconvert(schema_editor: Any, table: str, *, unique: dict[str, str]) -> None:
    """The reverse migration: one plain table again (rows copied back, DEFAULT included)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    old = f"{table}_partitioned"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisunique, "
                       "i.indisprimary FROM pg_index i WHERE i.indrelid = to_regclass(%s)", [table])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = to_regclass(%s) AND contype = 'f'", [table])
        foreign = cursor.fetchall()
        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
        for name, _d, _u, _p in indexes:
            cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(name[:55] + '_old')}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [old])
        (sequence,) = cursor.fetchone()
        if sequence:
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {q(old + '_id_seq')}")
        cursor.execute(f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       f"INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS)")
        for name, definition, is_unique, primary in indexes:
            if primary:
                cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} PRIMARY KEY (id)")
            elif is_unique:
                cursor.execute(unique[name])
            else:
                cursor.execute(re.sub(r" ON (?:ONLY )?\S+ USING ", f" ON {q(table)} USING ", definition, count=1))
        for name, definition in foreign:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        cursor.execute(f"INSERT INTO {q(table)} SELECT * FROM {q(old)}")  # noqa: S608
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                       f"COALESCE((SELECT max(id) FROM {q(table)}), 1), "  # noqa: S608
                       f"(SELECT count(*) > 0 FROM {q(table)}))", [table])
        cursor.execute(f"DROP TABLE {q(old)} CASCADE")


# ------------------------------------------------------------------ archiving months

@dataclass
class Archived:
    table: str
    partition: str
    rows: int
    file: Path
    note: str = ""


def archive_dir() -> Path:
    return Path(getattr(settings, "PARTITION_ARCHIVE_DIR", "") or Path(settings.VAR_DIR) / "archive")


def archive(table: str, month: Month, *, now: dt.datetime | None = None, directory: Path | None = None) -> Archived:
    """Detach `month` of `table`, write it to `<directory>/<partition>.dump` (pg_dump custom format,
    checked with pg_restore --list), then drop it. Refused (PlatformError, nothing changed) for a
    month that ended less than the policy's retention ago, for a month that is not a partition of its
    own, and whatever the policy's `prepare` / `after_detach` refuse. A month detached by an
    interrupted run is dumped and dropped by the next (`finish_detached`)."""
    policy = REGISTRY.get(table)
    if policy is None or not is_partitioned(table):
        raise PlatformError(f"{table} 不是按月分区的表", code="not_partitioned")
    days = policy.retention_days()
    limit = (now or timezone.now()) - dt.timedelta(days=days)
    if month.end > limit:
        raise PlatformError(f"{policy.label} {month} 的数据保存未满 {days} 天（到 {month.end + dt.timedelta(days=days):%Y-%m-%d}"
                            f" 才满），不能归档", code="retention")
    name = partition_name(table, month)
    if name not in {p.name for p in partitions(table)}:
        raise PlatformError(f"{policy.label} {month} 没有单独的分区（{name}）", code="no_partition")
    prepared = policy.prepare(table, month) if policy.prepare else None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {q(table)} DETACH PARTITION {q(name)}")
        note = policy.after_detach(table, month, name, prepared) if policy.after_detach else ""
    done = finish_detached(name, directory=directory)
    return Archived(table, name, done[1], done[0], note)


def finish_detached(name: str, *, directory: Path | None = None) -> tuple[Path, int]:
    """Dump a detached month table to `<directory>/<name>.dump`, check the file, drop the table.

    Its foreign keys are dropped first, so that the file restores on its own (`pg_restore -d …
    file`) into any database, beside the live tables or not."""
    folder = directory or archive_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.dump"
    partial = target.with_suffix(".dump.partial")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'f'", [name])
        for (constraint,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {q(name)} DROP CONSTRAINT {q(constraint)}")
        cursor.execute(f"SELECT count(*) FROM {q(name)}")  # noqa: S608
        (rows,) = cursor.fetchone()
    env, uri = _libpq()
    dumped = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--table={name}",
                             f"--file={partial}", uri], env=env, capture_output=True, text=True, timeout=3600)
    if dumped.returncode != 0:
        partial.unlink(missing_ok=True)
        raise PlatformError(f"pg_dump 失败，分区 {name} 已分离但保留在数据库中：{dumped.stderr.strip()[-500:]}",
                            code="dump_failed")
    listed = subprocess.run([_tool("pg_restore"), "--list", str(partial)], capture_output=True, text=True, timeout=600)
    if listed.returncode != 0 or f"TABLE DATA public {name} " not in listed.stdout:
        raise PlatformError(f"归档文件 {partial} 无法读回，分区 {name} 保留在数据库中", code="dump_unreadable")
    os.replace(partial, target)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {q(name)}")
    return target, rows


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise PlatformError(f"找不到 {name}（Debian: apt-get install postgresql-client）", code="no_pg_dump")
    return found


def _libpq() -> tuple[dict[str, str], str]:
    """The environment and the connection URI of the platform's database for pg_dump."""
    from urllib.parse import quote

    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    host = s.get("HOST") or ""
    netloc = quote(str(s.get("USER") or ""), safe="")
    netloc = f"{netloc}@" if netloc else ""
    if host.startswith("/"):
        env["PGHOST"] = host
        host = ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return env, f"postgresql://{netloc}{host}{port}/{quote(str(s['NAME']), safe='')}"
