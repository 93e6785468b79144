"""Stored files of flows served by `core.downloads`: a case step's attachment (`case-attachment`)."""
from __future__ import annotations

from core.downloads import FileKind, Stored
from flows.models import CaseAttachment


def _attachment(row: CaseAttachment) -> Stored:
    return Stored(row.path, row.name)


KINDS = [FileKind("case-attachment", CaseAttachment, {"file": _attachment})]
