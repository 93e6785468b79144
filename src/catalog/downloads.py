"""Stored files of the catalog served by `core.downloads`: a procedure's supporting document
(`change-evidence`, 佐证材料)."""
from __future__ import annotations

from catalog.models import ChangeEvidence
from core.downloads import FileKind, Stored


def _evidence(row: ChangeEvidence) -> Stored:
    return Stored(row.path, row.name)


KINDS = [FileKind("change-evidence", ChangeEvidence, {"file": _evidence})]
