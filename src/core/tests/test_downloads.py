"""`core.downloads.serve`: the stored file's bytes with the type its content says, the original name,
nosniff; a stored path that would leave the storage root, a directory or a missing file is a 404."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404

from core.downloads import Stored, content_type_of, kinds, serve
from core.testing.files import tiny_pdf, tiny_png


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "secret.txt").write_text("not yours")
    return tmp_path


@pytest.mark.parametrize("path", ["../secret.txt", "a/../../secret.txt", "/etc/passwd", "", "grids", "grids/",
                                  "missing.pdf", "a\\..\\..\\secret.txt"])
def test_paths_outside_the_root_directories_and_missing_files_are_404(media: Path, path: str) -> None:
    default_storage.save("grids/x.png", ContentFile(tiny_png()))
    with pytest.raises(Http404):
        serve(Stored(path, "x"))


def test_content_type_comes_from_the_bytes_not_the_name(media: Path) -> None:
    stored = default_storage.save("photos/named-as.jpg", ContentFile(tiny_png()))
    response = serve(Stored(stored, "照片.jpg"))
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert b"".join(response.streaming_content) == tiny_png()  # type: ignore[arg-type]
    assert content_type_of("r.pdf", tiny_pdf()) == "application/pdf"
    assert content_type_of("r.xlsx", b"not a zip") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert content_type_of("r.bin", b"\x00\x01") == "application/octet-stream"


def test_a_document_is_offered_for_saving_under_its_original_name(media: Path) -> None:
    stored = default_storage.save("flows/1/abc-x.docx", ContentFile(b"PK\x03\x04 not really"))
    response = serve(Stored(stored, "决定书.docx"))
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E5%86%B3%E5%AE%9A%E4%B9%A6.docx" in response["Content-Disposition"]


def test_every_app_that_stores_files_declares_its_kinds() -> None:
    assert set(kinds()) == {"event-photo", "case-attachment", "change-evidence", "finding-photo", "grid-report",
                            "assess-report"}
