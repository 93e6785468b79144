"""`/files/<kind>/<pk>/<variant>/` — one URL name per declared kind (`files:<kind>`), one view."""
from __future__ import annotations

from django.urls import URLPattern, path

from core import downloads

app_name = "files"

urlpatterns: list[URLPattern] = [
    path(f"files/{name}/<int:pk>/<slug:variant>/", downloads.download, {"kind": name}, name=name)
    for name in sorted(downloads.kinds())
]
