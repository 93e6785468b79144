"""`manage.py verify_audit [--seal]`: recompute the audit chain; exit status 1 at the first break."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import auditchain


class Command(BaseCommand):
    help = "重算审计日志的 HMAC-SM3 链并与锚点（数据库与锚点文件）核对，指出第一条被改动的记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seal", action="store_true", help="先封存尚未封存的记录（与后台任务相同）")
        parser.add_argument("--anchor-file", default=None, help="锚点文件（默认 settings.AUDIT_ANCHOR_FILE）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seal"]:
            sealed = auditchain.seal()
            self.stdout.write(f"封存 {sealed} 条")
        report = auditchain.verify(anchor_file=options["anchor_file"])
        for note in report.notes:
            self.stdout.write(f"注意：{note}")
        if report.broken is not None:
            raise CommandError(f"审计链断裂：{report.broken.message}")
        self.stdout.write(self.style.SUCCESS(
            f"审计链完整：已核验 {report.sealed} 条（链序号 {report.first_seq}–{report.last_seq}，起点：{report.start}），"
            f"锚点 {report.anchors} 个（文件 {report.file_anchors if report.file_anchors is not None else '无'}），"
            f"尚未封存 {report.unsealed} 条"))
