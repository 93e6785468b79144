"""`manage.py purge_audit [--before YYYY-MM-DD] [--dry-run]`: remove sealed rows past the retention period."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core import audit, auditchain
from core.errors import PlatformError


class Command(BaseCommand):
    help = "清理保存期（AUDIT_RETENTION_DAYS，不少于180天）已满且已封存的审计记录；剩余的链仍可从清理锚点核验"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", default=None, help="只清理此日期（含）之前的记录，不得晚于保存期限")
        parser.add_argument("--dry-run", action="store_true", help="只计算，不删除")

    def handle(self, *args: Any, **options: Any) -> None:
        before = None
        if options["before"]:
            try:
                day = dt.date.fromisoformat(options["before"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
            before = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        try:
            with audit.acting_as(name="purge_audit", source="command"):
                result = auditchain.purge(before=before, dry_run=options["dry_run"])
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        verb = "可清理" if options["dry_run"] else "已清理"
        self.stdout.write(f"{verb} {result.rows} 条（链序号 ≤ {result.through_seq}，截止 {result.cutoff:%Y-%m-%d %H:%M}）")
