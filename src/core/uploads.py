"""Uploads are checked by what they contain, against one allowed list (issue 11 item 7).

A file's name and its declared Content-Type are the client's say-so: an `.exe` renamed `.pdf` keeps
both. `check_upload` reads the first bytes (the `filetype` library's signatures, plus the two
container formats it does not name: OLE2 compound files — .doc/.xls/.ppt and WPS's .wps/.et/.dps —
and OFD, the national e-document format, a zip holding `OFD.xml`) and refuses, in Chinese, any
file whose content is not one of the kinds the caller allows. The stored name keeps the extension
of the kind found, never the one the client sent.

Kinds and who allows them:

- `ATTACHMENT_KINDS` — case attachments (`flows.services.case_complete_task`): PDF, OFD, images
  (JPEG, PNG, GIF, WebP, HEIC, TIFF, BMP), Office and WPS documents (docx/xlsx/pptx, the OLE2 family,
  OpenDocument odt/ods/odp);
- `PHOTO_KINDS` — patrol finding photos (`grids.services.patrols`): JPEG, PNG, WebP, HEIC.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import filetype

from core.errors import PlatformError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Kind:
    """A kind of file: its code, the extension it is stored with, its MIME type and a Chinese label."""

    code: str
    extension: str
    mime: str
    label: str


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("pdf", "pdf", "application/pdf", "PDF"),
    Kind("ofd", "ofd", "application/ofd", "OFD 版式文件"),
    Kind("jpg", "jpg", "image/jpeg", "JPEG 图片"),
    Kind("png", "png", "image/png", "PNG 图片"),
    Kind("gif", "gif", "image/gif", "GIF 图片"),
    Kind("webp", "webp", "image/webp", "WebP 图片"),
    Kind("heic", "heic", "image/heic", "HEIC 图片"),
    Kind("tif", "tif", "image/tiff", "TIFF 图片"),
    Kind("bmp", "bmp", "image/bmp", "BMP 图片"),
    Kind("docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档"),
    Kind("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格"),
    Kind("pptx", "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint 演示文稿"),
    Kind("ole2", "doc", "application/x-ole-storage", "Office/WPS 97-2003 文档（doc、xls、ppt、wps、et、dps）"),
    Kind("odt", "odt", "application/vnd.oasis.opendocument.text", "OpenDocument 文本"),
    Kind("ods", "ods", "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument 表格"),
    Kind("odp", "odp", "application/vnd.oasis.opendocument.presentation", "OpenDocument 演示文稿"),
)}
ATTACHMENT_KINDS = frozenset(KINDS)
PHOTO_KINDS = frozenset({"jpg", "png", "webp", "heic"})
# an OLE2 file keeps the extension it came with when that is one of the family's
OLE2_EXTENSIONS = {"doc", "xls", "ppt", "wps", "et", "dps"}
FILETYPE_CODES = {"doc": "ole2", "xls": "ole2", "ppt": "ole2"}


def sniff(data: bytes) -> Kind | None:
    """The kind of `data` by its content, or None for anything not in `KINDS` (executables,
    archives, scripts, HTML, plain text, an empty file)."""
    if data.startswith(OLE2_MAGIC):
        return KINDS["ole2"]
    if data.startswith(b"PK\x03\x04") and _is_ofd(data):
        return KINDS["ofd"]
    guessed = filetype.guess(data[:8192] if len(data) > 8192 and not data.startswith(b"PK") else data)
    if guessed is None:
        return None
    return KINDS.get(FILETYPE_CODES.get(guessed.extension, guessed.extension))


def _is_ofd(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "OFD.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def check_upload(data: bytes, name: str, *, allowed: frozenset[str] = ATTACHMENT_KINDS,
                 field: str = "files") -> tuple[Kind, str]:
    """The kind of an uploaded file and the name to store it under, or a 400 naming the file.

    The stored name is `name` with the extension of the kind found (an OLE2 file keeps a family
    extension it came with: .xls stays .xls, .wps stays .wps). Raises `PlatformError`
    (`code="bad_file_type"`, `fields={field: [name]}`) when the content is not an allowed kind.
    """
    kind = sniff(data)
    if kind is None or kind.code not in allowed:
        labels = "、".join(sorted({KINDS[c].label for c in allowed}, key=len))
        found = f"（实际内容为{kind.label}）" if kind is not None else "（无法识别的内容，如可执行程序、压缩包或网页）"
        raise PlatformError(f"文件“{name}”的内容不是允许的类型{found}；只接受：{labels}",
                            code="bad_file_type", fields={field: [name]})
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot else ""
    if kind.code == "ole2" and ext in OLE2_EXTENSIONS:
        return kind, name
    if kind.code == "jpg" and ext == "jpeg":
        return kind, name
    return kind, f"{stem if dot else name}.{kind.extension}"
