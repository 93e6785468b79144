"""`manage.py manage_partitions [--ahead N] [--archive-before YYYY-MM] [--table T] [--dir D] [--list]`.

Monthly partitions on PostgreSQL (core/partitions.py): creates the current month and the next
`--ahead` (default 3) for every partitioned table (the Huey periodic task
`core.tasks.ensure_partitions` does the same daily); finishes an archive that was interrupted after
its detach; with `--archive-before 2026-05` archives every month before May 2026 of the table(s)
— each refused, with the reason, unless past its retention (audit log: `AUDIT_RETENTION_DAYS`, never
under 180 days; event steps: `EVENT_STEP_RETENTION_DAYS`) — to `--dir` (default
`PARTITION_ARCHIVE_DIR`, else `$VAR_DIR/archive`). Exits 1 when anything was refused. On SQLite there
are no partitions: it says so and does nothing."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import audit, partitions
from core.errors import PlatformError


class Command(BaseCommand):
    help = "按月分区（PostgreSQL）：预建未来月份的分区，归档保存期已满的月份（分离、pg_dump 导出、删除）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ahead", type=int, default=partitions.AHEAD, help="预建当月之后的月数（默认 3）")
        parser.add_argument("--archive-before", metavar="YYYY-MM", help="归档此月之前（不含）的各月分区")
        parser.add_argument("--table", action="append", choices=sorted(partitions.REGISTRY),
                            help="只处理这张表（可重复；默认全部）")
        parser.add_argument("--dir", help="归档文件目录（默认 PARTITION_ARCHIVE_DIR 或 $VAR_DIR/archive）")
        parser.add_argument("--list", action="store_true", help="列出各分区及行数")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitions.on_postgres():
            self.stdout.write("SQLite 数据库不分区，无需处理")
            return
        tables = [t for t in (options["table"] or sorted(partitions.REGISTRY)) if partitions.is_partitioned(t)]
        directory = Path(options["dir"]) if options["dir"] else None
        refused: list[str] = []
        with audit.acting_as(name="manage_partitions", source="command"):
            for table in tables:
                for name in partitions.detached(table):
                    file, rows = partitions.finish_detached(name, directory=directory)
                    self.stdout.write(f"{name}: 上次分离后未完成的归档已完成（{rows} 行 → {file}）")
                ensured = partitions.ensure(table, ahead=options["ahead"])
                for name in ensured.created:
                    self.stdout.write(f"{table}: 新建分区 {name}")
                for month in ensured.blocked:
                    self.stdout.write(f"{table}: {month} 的数据已写入默认分区，未建该月分区（数据照常可查）")
                if options["archive_before"]:
                    refused += self._archive(table, options["archive_before"], directory)
                if options["list"]:
                    for p in partitions.partitions(table, count=True):
                        self.stdout.write(f"{table}: {p.name} {p.month or '默认'} {p.rows} 行")
        if refused:
            raise CommandError("；".join(refused))

    def _archive(self, table: str, before: str, directory: Path | None) -> list[str]:
        try:
            limit = partitions.Month.parse(before)
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        refused = []
        for p in partitions.partitions(table):
            if p.month is None or (p.month.year, p.month.month) >= (limit.year, limit.month):
                continue
            try:
                done = partitions.archive(table, p.month, directory=directory)
            except PlatformError as exc:
                refused.append(f"{table} {p.month}：{exc.message}")
                self.stderr.write(f"{table} {p.month}: 拒绝归档：{exc.message}")
                if exc.code in ("archive_order", "chain_broken"):
                    break
                continue
            note = f"（{done.note}）" if done.note else ""
            self.stdout.write(f"{table}: 已归档 {done.partition}，{done.rows} 行 → {done.file}{note}")
        return refused
