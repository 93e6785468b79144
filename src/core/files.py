"""Files written after the transaction that records them commits (no orphans on rollback).

A row that points at a file is written inside a transaction; if the file were written first
and the transaction then rolled back, the file would stay behind with nothing pointing at it.
`store_on_commit` decides the stored name now (unique, so nothing can take it before the
commit) and writes the bytes only when the surrounding transaction commits.
"""
from __future__ import annotations

import logging
import posixpath
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

log = logging.getLogger(__name__)


def unique_name(path: str) -> str:
    """`dir/name.ext` → `dir/<12 hex>-name.ext`: a name no other upload can take."""
    folder, name = posixpath.split(path)
    return posixpath.join(folder, f"{uuid.uuid4().hex[:12]}-{name}")


def store_on_commit(path: str, content: bytes, *, unique: bool = True) -> str:
    """Register `content` to be written at `path` (made unique unless told otherwise) on commit.

    Returns the stored name to keep in the row. Outside a transaction the file is written at
    once (Django runs on_commit callbacks immediately in autocommit mode). Raises nothing for
    a rollback: the callback simply never runs.
    """
    name = unique_name(path) if unique else path

    def _write() -> None:
        stored = default_storage.save(name, ContentFile(content))
        if stored != name:  # only possible with unique=False and a name already taken
            log.error("file stored as %s instead of %s", stored, name)

    transaction.on_commit(_write)
    return name
