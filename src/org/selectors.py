"""Reads for organisation: who acts for a post, AB coverage, the leadership check."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.text import normalize_text
from divisions.choices import Level
from divisions.models import Division
from org.choices import LEADERSHIP_SECRETARY_SHARE
from org.models import Absence, Post, Staff, Unit


def unit_named(division_code: str, name: str, exclude_pk: int | None = None) -> Unit | None:
    """The body of a division with this name, compared after `normalize_text` (NFKC, trimmed,
    spaces collapsed: 综合执法局 == 综合执法局␣, 乡(镇) == 乡（镇）); None when there is none."""
    wanted = normalize_text(name)
    if not wanted:
        return None
    for unit in Unit.objects.filter(division_id=division_code).exclude(pk=exclude_pk).order_by("order", "pk"):
        if normalize_text(unit.name) == wanted:
            return unit
    return None


def is_absent(staff_id: int | None, on: dt.date) -> bool:
    if staff_id is None:
        return True
    return Absence.objects.filter(staff_id=staff_id, start__lte=on, end__gte=on).exists()


def post_acting_holder(post: Post, on: dt.date | None = None) -> Staff | None:
    """Who acts for the post on `on`: A, or B while A is absent; None when neither can.

    Rules: A acts unless A is missing or absent; then B acts unless B is missing or absent.
    """
    on = on or timezone.localdate()
    if post.holder_a_id and not is_absent(post.holder_a_id, on):
        return post.holder_a
    if post.holder_b_id and not is_absent(post.holder_b_id, on):
        return post.holder_b
    return None


def absent_staff_ids(staff_ids: list[int], on: dt.date) -> set[int]:
    return set(
        Absence.objects.filter(staff_id__in=staff_ids, start__lte=on, end__gte=on).values_list("staff_id", flat=True)
    )


@dataclass
class PostCoverage:
    post: Post
    acting: Staff | None
    a_absent: bool
    missing_holder: bool


def post_coverage(posts: QuerySet[Post], on: dt.date | None = None) -> list[PostCoverage]:
    """AB coverage for many posts with one absence query."""
    on = on or timezone.localdate()
    rows = list(posts.select_related("holder_a", "holder_b", "unit"))
    ids = [p.holder_a_id for p in rows if p.holder_a_id] + [p.holder_b_id for p in rows if p.holder_b_id]
    away = absent_staff_ids(ids, on)
    out = []
    for p in rows:
        a_ok = p.holder_a_id is not None and p.holder_a_id not in away
        b_ok = p.holder_b_id is not None and p.holder_b_id not in away
        acting = p.holder_a if a_ok else (p.holder_b if b_ok else None)
        out.append(PostCoverage(p, acting, p.holder_a_id in away, p.missing_holder))
    return out


def posts_missing_holder(user: Any) -> QuerySet[Post]:
    return Post.objects.visible_to(user).filter(Q(holder_a__isnull=True) | Q(holder_b__isnull=True))


@dataclass
class LeadershipCheck:
    town_code: str
    town_name: str
    leaders: int
    with_secretary_experience: int

    @property
    def share(self) -> float:
        return self.with_secretary_experience / self.leaders if self.leaders else 0.0

    @property
    def ok(self) -> bool:
        return self.leaders > 0 and self.share >= LEADERSHIP_SECRETARY_SHARE


def leadership_checks(towns: QuerySet[Division]) -> list[LeadershipCheck]:
    """The ≥30% village/community-secretary rule for each town, in one aggregate query."""
    towns = towns.filter(level=Level.TOWN)
    names = dict(towns.values_list("code", "name"))
    rows = (
        Staff.objects.filter(division_id__in=list(names), is_leader=True)
        .values("division_id")
        .annotate(n=Count("id"), sec=Count("id", filter=Q(served_village_secretary=True)))
    )
    found = {r["division_id"]: (r["n"], r["sec"]) for r in rows}
    return [LeadershipCheck(code, names[code], *found.get(code, (0, 0))) for code in sorted(names)]


def leadership_check(town: Division) -> LeadershipCheck:
    return leadership_checks(Division.objects.filter(code=town.code))[0]
