"""Weekly analysis (周分析) and monthly summary (月汇总) per town, county and city: figures, trend,
rankings, the worst-performing event classes and places — as xlsx (`core.reports.xlsx`) and PDF
(`core.reports.pdf`, CJK font embedded), stored in an `AssessReport` row.

Figures come from the stored results (latest revisions; `Result.revision` > 1 is shown as 修订),
so a report says exactly what the assessment said; classes and places are one aggregate each.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from assess import selectors, services
from assess.choices import PeriodKind, ReportKind, SubjectType
from assess.models import AssessReport
from assess.periods import Period, period_of
from core import audit
from core.files import store_on_commit
from core.reports import pdf, xlsx
from core.scoping import code_level
from core.sqlhints import OffIndex
from divisions.models import Division

SYSTEM = SimpleNamespace(is_authenticated=True, is_superuser=True, division_id=None, roles=[])
REGION_CODES = ("close_rate", "close_on_time_rate", "satisfaction_rate", "case_on_time_rate")


def _pct(value: Decimal | float | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def figures(division: Division, period: Period) -> list[list[Any]]:
    """Pooled town indicators of the division (Σ numerators / Σ denominators over its towns)."""
    rows = selectors.results_for(SYSTEM, period=period, subject_type=SubjectType.TOWN, division=division.code)
    out = []
    for code in REGION_CODES:
        mine = [r for r in rows if r.code == code]
        if not mine:
            continue
        n, d = sum(r.numerator for r in mine), sum(r.denominator for r in mine)
        revised = any(r.revision > 1 for r in mine)
        out.append([mine[0].indicator.name, n, d, _pct(Decimal(n) / d if d else None), "修订" if revised else ""])
    return out


def trend_rows(division: Division, period: Period, count: int = 6) -> list[list[Any]]:
    periods = [period]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    out = []
    for code in ("close_rate", "close_on_time_rate"):
        version = services.version_in_force(code, division.code, period.start)  # readers see the name, not the code
        name = version.name if version else code
        for point in selectors.trend(SYSTEM, code=code, subject_type=SubjectType.TOWN, division=division.code,
                                     periods=periods):
            out.append([point["period"], name, point["numerator"], point["denominator"], _pct(point["value"])])
    return out


def ranking_rows(division: Division, period: Period) -> list[list[Any]]:
    scores = selectors.scores_for(SYSTEM, period=period, subject_type=SubjectType.TOWN, division=division.code)
    return [[i + 1, s.subject_name, s.score, s.grade, "修订" if s.revision > 1 else ""] for i, s in enumerate(scores)]


def unit_rows(division: Division, period: Period) -> list[list[Any]]:
    scores = selectors.scores_for(SYSTEM, period=period, subject_type=SubjectType.UNIT, division=division.code)
    return [[i + 1, s.subject_name, s.score, s.grade] for i, s in enumerate(scores)]


def worst_classes(division: Division, period: Period, limit: int = 10) -> list[list[Any]]:
    """Event classes filed in the period in the division with the most events not closed on time:
    [[class code, class name, events, not closed on time]], worst first."""
    rows = worst_classes_query(division, period)[:limit]
    return [[r["event_class__code"] or "未分类", r["event_class__name"] or "", r["n"], r["late"]] for r in rows]


def worst_classes_query(division: Division, period: Period) -> QuerySet[Any]:
    """The aggregate behind `worst_classes` (one query; its SQLite plan is tested)."""
    from events.models import Event, Step

    start, end = period.bounds()
    # The event's own close step, found through `(event_id, seq)`: with the action off the indexes
    # (`facts.OffIndex`), SQLite without statistics no longer answers this correlated subquery from
    # the `(action, at)` index — every close step ever recorded, read per event (a county month of
    # the 30-day demo, 3,539 events × ~40k close steps, took 208 s; issue 14).
    on_time = Step.objects.filter(event_id=OuterRef("pk"), at__lte=OuterRef("due_at")).alias(
        off_action=OffIndex(F("action"))).filter(off_action="close")
    return (Event.objects.filter(division__code__startswith=_prefix(division), filed_at__gte=start, filed_at__lt=end)
            .annotate(ok=Exists(on_time)).values("event_class__code", "event_class__name")
            .annotate(n=Count("id"), late=Count("id", filter=Q(ok=False))).order_by("-late", "-n"))


def worst_places(division: Division, period: Period, limit: int = 10) -> list[list[Any]]:
    rows = selectors.results_for(SYSTEM, period=period, subject_type=SubjectType.TOWN, division=division.code,
                                 code="close_on_time_rate")
    rows = sorted([r for r in rows if r.value is not None], key=lambda r: (r.value, r.subject_name))[:limit]
    return [[r.subject_name, r.numerator, r.denominator, _pct(r.value)] for r in rows]


def _prefix(division: Division) -> str:
    from core.scoping import code_prefix

    return code_prefix(division.code)


def sections(division: Division, period: Period) -> list[tuple[str, list[str], list[list[Any]]]]:
    return [
        ("主要指标", ["指标", "分子", "分母", "数值", "说明"], figures(division, period)),
        ("趋势（近6期）", ["周期", "指标", "分子", "分母", "数值"], trend_rows(division, period)),
        ("乡镇（街道）排名", ["名次", "乡镇（街道）", "得分", "等次", "说明"], ranking_rows(division, period)),
        ("承办单位排名", ["名次", "单位", "得分", "等次"], unit_rows(division, period)),
        ("按期结案最差的事件类别", ["类别编码", "类别名称", "立案数", "未按期结案"], worst_classes(division, period)),
        ("按期结案率最低的地方", ["乡镇（街道）", "按期结案", "立案", "按期结案率"], worst_places(division, period)),
    ]


def report_title(kind: str, division: Division, period: Period) -> str:
    label = "周分析" if kind == ReportKind.WEEKLY else "月汇总"
    return f"{division.name}考核{label}（{period.label}）"


def report_build(*, kind: str, division: Division, period: Period) -> tuple[str, bytes, bytes]:
    """(title, xlsx bytes, PDF bytes) of one report. Reads only, and outside any transaction: on
    SQLite a transaction is `BEGIN IMMEDIATE` (settings), which would hold the one write lock for
    the whole build and starve every other writer (issue 14: logins and intake failed with
    "database is locked" while a county month was built)."""
    title = report_title(kind, division, period)
    parts = sections(division, period)
    workbook = xlsx.workbook(parts, title=title, area=division.name)
    document = pdf.table_report(
        title, parts, subtitle=f"{division.name} · {period.start:%Y-%m-%d} 至 {period.end - dt.timedelta(days=1):%Y-%m-%d}",
        note="说明：指标由平台记录的事件、步骤、巡查和办件计算，每个数字可在平台上下钻到具体记录。")
    return title, workbook, document


def report_store(*, kind: str, division: Division, period: Period, title: str, workbook: bytes,
                 document: bytes) -> AssessReport:
    """Store a built report in one short transaction: the row (created or updated; unique per
    division, kind and period start), its files written after commit, replaced files deleted."""
    stem = f"assess/reports/{period.start:%Y/%m}/{kind}-{division.code}-{period.start:%Y%m%d}"
    with transaction.atomic(), audit.acting_as(name="assess.reports", source="task"):
        report = AssessReport.objects.select_for_update().filter(
            kind=kind, division=division, period_start=period.start).first() or \
            AssessReport(kind=kind, division=division, period_start=period.start)
        stale = [old for old in (report.xlsx, report.pdf) if old]

        def _delete_stale() -> None:
            for old in stale:
                default_storage.delete(old)
        transaction.on_commit(_delete_stale)
        report.period_end, report.title, report.created_at = period.end, title, timezone.now()
        report.xlsx = store_on_commit(f"{stem}.xlsx", workbook)
        report.pdf = store_on_commit(f"{stem}.pdf", document)
        report.save()
    return report


def report_generate(*, kind: str, division: Division, period: Period) -> AssessReport:
    """Build (or rebuild) one report: read-only build, then one short write (`report_store`)."""
    title, workbook, document = report_build(kind=kind, division=division, period=period)
    return report_store(kind=kind, division=division, period=period, title=title, workbook=workbook,
                        document=document)


# The levels each kind of report is made for: 周分析 per town and county, 月汇总 also for the city.
REPORT_LEVELS: dict[str, tuple[str, ...]] = {ReportKind.WEEKLY: ("town", "county"),
                                             ReportKind.MONTHLY: ("town", "county", "city")}


def report_period(kind: str, day: dt.date) -> Period:
    """The week (周分析) or month (月汇总) holding `day`."""
    return period_of(PeriodKind.WEEK if kind == ReportKind.WEEKLY else PeriodKind.MONTH, day)


def reports_for_all(kind: str, today: dt.date) -> list[AssessReport]:
    """The scheduled run: last week's analysis for every town and county, last month's summary for
    every town, county and city."""
    period = report_period(kind, today).previous()
    levels = REPORT_LEVELS[kind]
    return [report_generate(kind=kind, division=d, period=period)
            for d in Division.objects.filter(level__in=levels).order_by("code")
            if code_level(d.code) in levels]
