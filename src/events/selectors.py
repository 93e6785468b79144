"""Reads for events: counts by state kind, an event's timeline, routing gaps, reporters to tell."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from catalog.selectors import responsibility_for
from divisions.models import Division
from events.lifecycle import StateKind
from events.models import Event, EventClass, Step


def counts_by_kind(qs: QuerySet[Event]) -> dict[str, int]:
    """{"open", "closed", "void", "total"}: a void event (不予受理, 撤销, 合并) is neither open nor closed."""
    found = dict(qs.order_by().values_list("state_kind").annotate(n=Count("id")).values_list("state_kind", "n"))
    out = {k: int(found.get(k, 0)) for k in StateKind.values}
    out["total"] = sum(out.values())
    return out


def timeline(event: Event) -> QuerySet[Step]:
    """Every step of the event, oldest first, with actor, unit and photos."""
    return event.steps.select_related("actor", "unit").prefetch_related("photos").order_by("seq")


def reporters_of(event: Event) -> list[int]:
    """User ids to tell the outcome: the event's reporter and those of the events merged into it."""
    ids = [event.reporter_id] if event.reporter_id else []
    for rid in Event.objects.filter(merged_into=event).exclude(reporter=None).values_list("reporter_id", flat=True):
        if rid not in ids:
            ids.append(rid)
    return ids


@dataclass
class RoutingGap:
    town: str
    town_name: str
    event_class: str
    class_name: str
    matter: str
    reason: str


def routing_gaps(user: Any, division: str | None = None, on: dt.date | None = None) -> list[RoutingGap]:
    """Classes whose matter has no main responsibility in a town (or that map to no matter),
    for every town visible to `user` (inside `division` when given)."""
    on = on or timezone.localdate()
    towns = Division.objects.visible_to(user).filter(level="town")
    if division:
        from core.scoping import code_prefix

        towns = towns.filter(code__startswith=code_prefix(division))
    classes = list(EventClass.objects.visible_to(user).filter(is_active=True).select_related("matter").order_by("code"))
    out: list[RoutingGap] = []
    for code, name in towns.order_by("code").values_list("code", "name"):
        for cls in classes:
            if cls.matter is None:
                out.append(RoutingGap(code, name, cls.code, cls.name, "", "类别未对应职责事项"))
                continue
            answer = responsibility_for(code, cls.matter.code, on)
            if answer.gap:
                out.append(RoutingGap(code, name, cls.code, cls.name, cls.matter.code,
                                      f"本镇街对职责事项“{cls.matter.name}”无主体责任单位"))
    return out
