"""Stored files of grids served by `core.downloads`: a patrol finding's photo (`finding-photo`) and
the generated weekly / monthly reports (`grid-report`, variants `xlsx` and `pdf`)."""
from __future__ import annotations

import posixpath
from collections.abc import Callable

from core.downloads import FileKind, Stored
from grids.models import Finding, GridReport


def _photo(finding: Finding) -> Stored | None:
    if not finding.photo:
        return None
    suffix = posixpath.splitext(finding.photo)[1].lower()
    return Stored(finding.photo, f"finding-{finding.pk}{suffix}")


def _report(fmt: str) -> Callable[[GridReport], Stored | None]:
    def resolve(report: GridReport) -> Stored | None:
        path = getattr(report, fmt)
        return Stored(path, f"{report.title}.{fmt}", inline=False) if path else None
    return resolve


KINDS = [FileKind("finding-photo", Finding, {"file": _photo}),
         FileKind("grid-report", GridReport, {"xlsx": _report("xlsx"), "pdf": _report("pdf")})]
