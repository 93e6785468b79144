"""Reads on the division tree. Subtrees are code-prefix queries, never recursive walks."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.scoping import code_prefix
from divisions.choices import Level
from divisions.models import Division


def subtree(code: str) -> QuerySet[Division]:
    """The division and everything inside it."""
    return Division.objects.filter(code__startswith=code_prefix(code))


def descendants(code: str, level: str | None = None) -> QuerySet[Division]:
    qs = subtree(code).exclude(code=code)
    return qs.filter(level=level) if level else qs


def towns_visible_to(user: Any) -> QuerySet[Division]:
    return Division.objects.visible_to(user).filter(level=Level.TOWN)


def level_counts(user: Any) -> dict[str, int]:
    from django.db.models import Count

    rows = Division.objects.visible_to(user).values("level").annotate(n=Count("code"))
    counts = {lvl.value: 0 for lvl in Level}
    counts.update({r["level"]: r["n"] for r in rows})
    return counts


def breadcrumbs(division: Division) -> list[Division]:
    from core.scoping import ancestor_codes

    found = {d.code: d for d in Division.objects.filter(code__in=ancestor_codes(division.code))}
    return [found[c] for c in ancestor_codes(division.code) if c in found] + [division]
