"""Stored files (photos, attachments, evidence, generated reports) served through one scoped view.

Uploaded and generated files live in the default storage (MEDIA_ROOT), written by
`core.files.store_on_commit`; rows keep the stored path as text. MEDIA_ROOT is never served as a
whole (photos and attachments are personal data): every file is reached through the row that owns
it, by `/files/<kind>/<pk>/<variant>/` (URL name `files:<kind>`), and only by a user who may see
that row (`Model.objects.visible_to(user)`; anyone else gets 404, exactly as for a row that does
not exist).

Each owning app declares its kinds in `<app>/downloads.py` as `KINDS = [FileKind(...)]`
(found by `kinds()` in every platform app, as `core.conventions` finds demo and nav modules, so core imports no higher app). A kind names the
model and, per variant (e.g. "file" and "thumb" of an event photo), a function from the row to a
`Stored` (path, download name, disposition) or None when the row has no such file (404).

`file_url(kind, pk, variant)` is the one URL builder (root-relative path) for templates
(`{% file_url "event-photo" p.pk "thumb" %}`), serializers and exports.

The answer (`serve`): the stored file's bytes, its content type sniffed from the bytes
(`core.uploads.sniff`; the name's extension when the content names no kind we know), the original
name in `Content-Disposition` (inline for images and PDFs, attachment otherwise),
`X-Content-Type-Options: nosniff` and `Cache-Control: private`. There is no path in the URL (no
traversal, no listing); a stored path that would leave the storage root answers 404.

Authentication: a session, or an API token in `Authorization` (the API's own authentication
classes). Anonymous: a redirect to the sign-in page, or 401 in the API's error envelope when an
`Authorization` header was sent and refused.
"""
from __future__ import annotations

import functools
import mimetypes
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_safe

from core import uploads
from core.conventions import optional_module

INLINE_PREFIXES = ("image/", "application/pdf", "text/plain")
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Stored:
    """One stored file of a row: `path` in the default storage, `name` offered to the browser
    (the original upload name where there is one), `inline` to show it rather than save it
    (None: decided by the content type — images and PDFs inline)."""

    path: str
    name: str = ""
    inline: bool | None = None


@dataclass(frozen=True)
class FileKind:
    """A kind of stored file: URL segment `name`, the owning `model` (a ScopedModel), and
    `variants` (variant segment → function row → Stored, or None when the row has none)."""

    name: str
    model: Any
    variants: dict[str, Callable[[Any], Stored | None]] = field(default_factory=dict)
    select_related: tuple[str, ...] = ()


@functools.cache
def kinds() -> dict[str, FileKind]:
    """Every declared kind by name (each platform app's `downloads` module, imported once)."""
    return {kind.name: kind for app in settings.PLATFORM_APPS
            for kind in getattr(optional_module(app, "downloads"), "KINDS", ())}


def file_url(kind: str, pk: int, variant: str = "file") -> str:
    """The root-relative address of one stored file (`/files/<kind>/<pk>/<variant>/`).
    Raises NoReverseMatch for an unknown kind."""
    return reverse(f"files:{kind}", kwargs={"pk": pk, "variant": variant})


def content_type_of(path: str, head: bytes) -> str:
    """The MIME type of a stored file: from its first bytes (`core.uploads.sniff`), else from the
    stored name's extension (generated xlsx/pdf, OLE2 documents), else application/octet-stream."""
    kind = uploads.sniff(head)
    if kind is not None and kind.code != "ole2":
        return kind.mime
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def _safe(path: str) -> bool:
    normal = posixpath.normpath(path)
    return bool(path) and not path.startswith(("/", "\\")) and normal == path.replace("\\", "/") \
        and not normal.startswith("..") and "/../" not in f"/{normal}/"


def serve(stored: Stored) -> FileResponse:
    """The answer for one stored file (see the module docstring). Raises Http404 when the file is
    missing or its path would leave the storage root."""
    if not _safe(stored.path):
        raise Http404("文件不存在")
    try:
        handle = default_storage.open(stored.path, "rb")
    except (FileNotFoundError, SuspiciousFileOperation, IsADirectoryError):
        raise Http404("文件不存在") from None
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    content_type = content_type_of(stored.path, head)
    inline = stored.inline if stored.inline is not None else content_type.startswith(INLINE_PREFIXES)
    name = stored.name or posixpath.basename(stored.path)
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _user(request: HttpRequest) -> Any:
    """The session user, else the user of a valid API token (the API's authentication classes)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    if not request.META.get("HTTP_AUTHORIZATION"):
        return None
    from rest_framework.exceptions import APIException
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    classes: list[Any] = list(api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    api_request = Request(request, authenticators=[cls() for cls in classes])
    try:
        token_user = api_request.user
    except APIException:  # an unknown, expired or revoked token
        return None
    return token_user if token_user.is_authenticated else None


@require_safe
def download(request: HttpRequest, kind: str, pk: int, variant: str) -> HttpResponseBase:
    """GET `/files/<kind>/<pk>/<variant>/`: the file if the user may see the owning row, else 404."""
    user = _user(request)
    if user is None:
        if request.META.get("HTTP_AUTHORIZATION"):
            return JsonResponse({"error": {"code": "not_authenticated", "message": "身份认证信息无效或已过期",
                                           "fields": {}}}, status=401)
        return redirect_to_login(request.get_full_path())
    spec = kinds().get(kind)
    resolve = spec.variants.get(variant) if spec is not None else None
    if spec is None or resolve is None:
        raise Http404("文件不存在")
    rows = spec.model.objects.visible_to(user)
    if spec.select_related:
        rows = rows.select_related(*spec.select_related)
    row = rows.filter(pk=pk).first()
    stored = resolve(row) if row is not None else None
    if stored is None:
        raise Http404("文件不存在")
    return serve(stored)
