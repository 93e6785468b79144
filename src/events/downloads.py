"""Stored files of events served by `core.downloads`: a photo and its thumbnail (`event-photo`)."""
from __future__ import annotations

import posixpath

from core.downloads import FileKind, Stored
from events.models import EventPhoto


def _photo(photo: EventPhoto) -> Stored:
    return Stored(photo.path, photo.original_name or posixpath.basename(photo.path))


def _thumbnail(photo: EventPhoto) -> Stored:
    stem = (photo.original_name or posixpath.basename(photo.path)).rsplit(".", 1)[0]
    return Stored(photo.thumbnail, f"{stem}.thumb.jpg")


KINDS = [FileKind("event-photo", EventPhoto, {"file": _photo, "thumb": _thumbnail})]
