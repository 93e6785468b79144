"""Supporting documents (佐证材料) of a procedure: uploaded files, stored after commit.

`evidence_check(files)` refuses what may not be stored (count, size, type, empty files) with the
field name `evidence_files`; `evidence_attach(change=, files=, user=)` records one
`ChangeEvidence` row per file inside the caller's transaction and registers the write of its
bytes with `core.files.store_on_commit` (`transaction.on_commit`), so a rollback (a refused filing, a later error in the same
transaction) writes no file at all. The cost is the other direction: if the storage fails after
the commit, the row names a file that is missing; the download page answers 404 for it.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from typing import Any

from catalog.models import ChangeEvidence, PowerChange
from catalog.services._common import _actor_name
from core.errors import PlatformError
from core.files import store_on_commit

# Office documents, scans and photos, OFD (the national e-document format), archives.
EVIDENCE_EXTENSIONS = (".pdf", ".ofd", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".jpg", ".jpeg", ".png",
                       ".zip", ".rar", ".7z", ".txt")
EVIDENCE_MAX_FILES = 10
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
FIELD = "evidence_files"


def _refuse(message: str) -> PlatformError:
    return PlatformError(message, code="bad_evidence", fields={FIELD: [message]})


def evidence_check(files: Iterable[Any]) -> list[tuple[str, bytes]]:
    """Read and check uploaded files: `[(file name, bytes)]`, or a 400 naming the file at fault.

    Limits: at most EVIDENCE_MAX_FILES files, each 1 byte … EVIDENCE_MAX_BYTES, with an extension
    in EVIDENCE_EXTENSIONS (case-insensitive).
    """
    files = [f for f in files if f]
    if len(files) > EVIDENCE_MAX_FILES:
        raise _refuse(f"佐证材料最多上传 {EVIDENCE_MAX_FILES} 个文件")
    out = []
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "").strip()[:200] or "佐证材料"
        if not name.lower().endswith(EVIDENCE_EXTENSIONS):
            raise _refuse(f"“{name}”的类型不支持，可上传：{'、'.join(EVIDENCE_EXTENSIONS)}")
        size = getattr(f, "size", None)
        if size is not None and size > EVIDENCE_MAX_BYTES:
            raise _refuse(f"“{name}”超过 {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB")
        if hasattr(f, "seek"):
            f.seek(0)
        data = f.read()
        if not data:
            raise _refuse(f"“{name}”是空文件")
        if len(data) > EVIDENCE_MAX_BYTES:
            raise _refuse(f"“{name}”超过 {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB")
        out.append((name, data))
    return out


def evidence_attach(*, change: PowerChange, files: Iterable[tuple[str, bytes]], user: Any = None) -> list[ChangeEvidence]:
    """Record checked files (from `evidence_check`) on `change`; their bytes are written on commit.

    Must run inside the caller's transaction (every procedure service is atomic).
    """
    rows = []
    for name, data in files:
        ext = os.path.splitext(name)[1].lower()
        # The stored name is decided now (unique); the bytes are written when the transaction commits.
        path = store_on_commit(f"catalog/evidence/{change.division_id}/{change.pk}/{uuid.uuid4().hex}{ext}", data,
                               unique=False)
        rows.append(ChangeEvidence.objects.create(change=change, name=name, path=path, size=len(data),
                                                  sha256=hashlib.sha256(data).hexdigest(),
                                                  uploaded_by=_actor_name(user)))
    return rows
