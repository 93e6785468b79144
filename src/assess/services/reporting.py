"""On-demand reports (考核报告 → 立即生成): the request writes a pending `AssessReport` row and
queues the build to the background worker (`assess.tasks.report_run`, the django.tasks task on
Huey, as `run_request` queues a computation); the page polls the row until its files are there.

The build reads only and stores at the end in one short transaction (`reports.report_build`,
`reports.report_store`), so on SQLite it never holds the write lock for longer than that store.
"""
import datetime as dt
import logging
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from assess import reports
from assess.models import AssessReport
from assess.services._common import CONFIG_ROLES, _as_user
from core import audit
from core.errors import NotAllowed, NotFound, PlatformError
from core.roles import Role, has_role
from core.scoping import code_level, scope_for
from divisions.models import Division

log = logging.getLogger(__name__)

# A request for a report already queued less than this long ago queues nothing more (a double click);
# after it, a pending row is taken as lost with its worker and queued again.
REQUEUE_AFTER = dt.timedelta(minutes=15)


def report_request(*, user: Any, kind: str, division: Division, day: dt.date) -> AssessReport:
    """Ask for a report of the period holding `day`: the pending row now (its old files, if any,
    deleted after commit), the build by the background worker after commit. Returns the row.

    Refused: a division outside the user's subtree (NotFound), a user who is neither a command
    centre nor the reform office (NotAllowed), an unknown kind or a level the kind is not made for
    (PlatformError, 400)."""
    if user is not None and not scope_for(user).covers(division.code):
        raise NotFound("区划不存在或不在您的管辖范围内")
    if user is not None and not (getattr(user, "is_superuser", False) or has_role(
            user, *CONFIG_ROLES, Role.TOWN_COMMAND)):
        raise NotAllowed("只有指挥中心和编办可以生成考核报告")
    if kind not in reports.REPORT_LEVELS:
        raise PlatformError("报告类型只能是周分析或月汇总", code="report_kind", fields={"kind": [kind]})
    if code_level(division.code) not in reports.REPORT_LEVELS[kind]:
        raise PlatformError("周分析按乡镇（街道）和县（市、区）生成，月汇总按乡镇（街道）、县（市、区）和市生成",
                            code="report_level", fields={"division": [division.code]})
    period = reports.report_period(kind, day)
    now = timezone.now()
    with transaction.atomic(), _as_user(user):
        report = AssessReport.objects.select_for_update().filter(
            kind=kind, division=division, period_start=period.start).first()
        if report is not None and report.status == "pending" and now - report.created_at < REQUEUE_AFTER:
            return report
        if report is None:
            report = AssessReport(kind=kind, division=division, period_start=period.start)
        stale = [old for old in (report.xlsx, report.pdf) if old]

        def _delete_stale() -> None:
            for old in stale:
                default_storage.delete(old)
        transaction.on_commit(_delete_stale)
        report.period_end, report.title, report.created_at = period.end, reports.report_title(
            kind, division, period), now
        report.xlsx = report.pdf = ""
        report.save()
        pk = report.pk

        def _enqueue() -> None:
            from assess.tasks import report_run

            report_run.enqueue(pk)
        transaction.on_commit(_enqueue)
    return report


def report_execute(report_id: int) -> AssessReport:
    """Build a requested report (the background worker): read-only build, then one short store.
    A failure marks the row (`AssessReport.FAILED_MARK`, shown on the page) and is re-raised."""
    report = AssessReport.objects.select_related("division").get(pk=report_id)
    period = reports.report_period(report.kind, report.period_start)
    try:
        title, workbook, document = reports.report_build(kind=report.kind, division=report.division, period=period)
    except Exception:
        log.exception("assess report %s failed", report_id)
        with transaction.atomic(), audit.acting_as(name="assess.reports", source="task"):
            failed = AssessReport.objects.select_for_update().get(pk=report_id)
            if failed.status == "pending":
                failed.title = (AssessReport.FAILED_MARK + failed.title)[:200]
                failed.save(update_fields=["title"])
        raise
    return reports.report_store(kind=report.kind, division=report.division, period=period, title=title,
                                workbook=workbook, document=document)
