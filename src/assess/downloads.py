"""Stored files of assess served by `core.downloads`: a generated report (`assess-report`,
variants `xlsx` and `pdf`)."""
from __future__ import annotations

from collections.abc import Callable

from assess.models import AssessReport
from core.downloads import FileKind, Stored


def _report(fmt: str) -> Callable[[AssessReport], Stored | None]:
    def resolve(report: AssessReport) -> Stored | None:
        path = getattr(report, fmt)
        return Stored(path, f"{report.title}.{fmt}", inline=False) if path else None
    return resolve


KINDS = [FileKind("assess-report", AssessReport, {"xlsx": _report("xlsx"), "pdf": _report("pdf")})]
