"""`{% load stored_files %}{% file_url "event-photo" p.pk "thumb" %}` — the address of a stored file."""
from __future__ import annotations

from django import template

from core.downloads import file_url as build

register = template.Library()


@register.simple_tag
def file_url(kind: str, pk: int, variant: str = "file") -> str:
    """The scoped download address of one stored file (`core.downloads.file_url`)."""
    return build(kind, pk, variant)
