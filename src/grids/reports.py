"""Weekly analysis (周分析) per town and monthly summary (月汇总) per town, county and city:
stored as xlsx and PDF files in a GridReport row."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.core.files.storage import default_storage
from django.db import transaction

from core import audit
from core.files import store_on_commit
from core.reports import pdf, xlsx
from divisions.models import Division
from grids import selectors
from grids.choices import ReportKind
from grids.models import GridReport

SYSTEM = SimpleNamespace(is_authenticated=True, is_superuser=True, division_id=None, roles=[])


def _sections(data: dict) -> list[tuple[str, list[str], list[list]]]:
    return [
        ("概况", ["指标", "数值"], [["巡查次数", data["patrols"]], ["发现问题", data["findings"]],
                                   ["综合网格数", data["grids"]], ["已巡查综合网格", data["patrolled_grids"]],
                                   ["巡查覆盖率(%)", data["coverage"]]]),
        ("下级汇总", ["区划代码", "名称", "综合网格", "已巡查", "覆盖率(%)", "发现"],
         [[c["code"], c["name"], c["grids"], c["patrolled"], c["rate"], c["findings"]] for c in data["children"]]),
        ("发现按类别", ["类别", "数量"], [list(r) for r in data["by_category"]]),
        ("热点网格", ["网格编码", "网格名称", "发现数"], [list(r) for r in data["hot_spots"]]),
        ("未巡查网格", ["网格编码", "网格名称"], [list(r) for r in data["not_patrolled"]]),
    ]


@transaction.atomic
def report_generate(*, kind: str, division: Division, start: dt.date, end: dt.date) -> GridReport:
    """Build (or rebuild) one report: the figures, an xlsx and a PDF (CJK font embedded)."""
    data = selectors.period_analysis(SYSTEM, division.code, start, end)
    label = "周分析" if kind == ReportKind.WEEKLY else "月汇总"
    title = f"{division.name}网格巡查{label}（{start:%Y-%m-%d}至{end:%Y-%m-%d}）"
    sections = _sections(data)
    pdf_sections = sections if len(data["not_patrolled"]) <= 300 else sections[:-1] + [
        ("未巡查网格（前 300 个，完整清单见 Excel）", ["网格编码", "网格名称"], [list(r) for r in data["not_patrolled"][:300]])]
    stem = f"grids/reports/{end:%Y/%m}/{kind}-{division.code}-{start:%Y%m%d}"
    with audit.acting_as(name="grids.reports", source="task"):
        report = GridReport.objects.filter(kind=kind, division=division, period_start=start).first() or \
            GridReport(kind=kind, division=division, period_start=start)
        # Files are written, and the replaced ones deleted, only once the row commits (no orphans).
        stale = [old for old in (report.xlsx, report.pdf) if old]
        transaction.on_commit(lambda: _delete_files(stale))
        report.period_end = end
        report.title = title
        report.summary = {k: data[k] for k in ("patrols", "findings", "grids", "patrolled_grids", "coverage")}
        report.xlsx = store_on_commit(f"{stem}.xlsx", xlsx.workbook(sections, title=title, area=division.name))
        report.pdf = store_on_commit(f"{stem}.pdf", pdf.table_report(
            title, pdf_sections, subtitle=f"{division.name} · 生成于 {dt.date.today():%Y-%m-%d}",
            note="说明：演示环境中的网格、人员与巡查均为合成数据。"))
        report.save()
    return report


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def weekly_reports(today: dt.date) -> list[GridReport]:
    """Last full week (Monday to Sunday) for every town that has grids."""
    end = today - dt.timedelta(days=today.weekday() + 1)
    start = end - dt.timedelta(days=6)
    towns = Division.objects.filter(level="town", code__in=_divisions_with_grids(9))
    return [report_generate(kind=ReportKind.WEEKLY, division=t, start=start, end=end) for t in towns]


def monthly_reports(today: dt.date) -> list[GridReport]:
    """Last month for every town, county and the city that has grids."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    codes = _divisions_with_grids(9) | _divisions_with_grids(6) | _divisions_with_grids(4)
    return [report_generate(kind=ReportKind.MONTHLY, division=d, start=start, end=end)
            for d in Division.objects.filter(code__in=codes).order_by("code")]


def _divisions_with_grids(length: int) -> set[str]:
    from grids.models import Grid

    return {c[:length].ljust(12, "0") for c in Grid.objects.values_list("division_id", flat=True).distinct()}
