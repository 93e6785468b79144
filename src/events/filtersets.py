"""One filterset for the event list page and `GET /api/events/`."""
from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.filters import SubtreeFilter
from events.choices import Channel, Level
from events.lifecycle import State, StateKind
from events.models import Event, EventClass


class EventFilterSet(django_filters.FilterSet):
    """`state` (one or several, comma-separated), `kind` open/closed/void, `category` (class code or
    its 2-digit major), `division` (a code of any level or a name; subtree), `level`, `unit` (id),
    `channel`, `overdue` / `warning` (true: open events past their deadline / within 20 % of it),
    `reported_from` / `reported_to` (dates, inclusive), `due_after` / `due_before` (the deadline's
    local date, inclusive), `reported_by_me` (true: reported by the requesting user, a grid
    worker's 我的上报), `q` (code, description, address)."""

    state = django_filters.CharFilter(method="filter_state")
    kind = django_filters.ChoiceFilter(field_name="state_kind", choices=StateKind.choices)
    category = django_filters.CharFilter(method="filter_category")
    division = SubtreeFilter()
    level = django_filters.ChoiceFilter(choices=Level.choices)
    unit = django_filters.NumberFilter(field_name="unit_id")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    warning = django_filters.BooleanFilter(method="filter_warning")
    reported_from = django_filters.DateFilter(field_name="reported_at", lookup_expr="date__gte")
    reported_to = django_filters.DateFilter(field_name="reported_at", lookup_expr="date__lte")
    due = django_filters.DateFromToRangeFilter(field_name="due_at", label="办结时限")
    reported_by_me = django_filters.BooleanFilter(method="filter_reported_by_me", label="我上报的")
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Event
        fields = ["state", "kind", "category", "division", "level", "unit", "channel", "overdue", "warning",
                  "reported_from", "reported_to", "due", "reported_by_me", "q"]

    def filter_reported_by_me(self, qs: QuerySet[Event], name: str, value: bool | None) -> QuerySet[Event]:
        """true: events the signed-in user reported (a grid worker's 我的上报)."""
        if not value:
            return qs
        return qs.filter(reporter_id=getattr(getattr(self.request, "user", None), "pk", None))

    def filter_state(self, qs: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        from core.errors import PlatformError

        states = [s for s in (value or "").split(",") if s]
        bad = [s for s in states if s not in State.values]
        if bad:
            raise PlatformError(f"未知状态：{'、'.join(bad)}", fields={"state": [f"可选：{', '.join(State.values)}"]})
        return qs.filter(state__in=states) if states else qs

    def filter_category(self, qs: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        value = (value or "").strip()
        if len(value) == 2:
            return qs.filter(event_class__code__startswith=value)
        return qs.filter(event_class__code=value) if value else qs

    def filter_overdue(self, qs: QuerySet[Event], name: str, value: bool | None) -> QuerySet[Event]:
        if value is None:
            return qs
        now = timezone.now()
        cond = Q(state_kind=StateKind.OPEN, due_at__lt=now)
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_warning(self, qs: QuerySet[Event], name: str, value: bool | None) -> QuerySet[Event]:
        """Open, not yet overdue, past the warning mark (80 % of the working time allowed, `warn_at`)."""
        if value is None:
            return qs
        now = timezone.now()
        cond = Q(state_kind=StateKind.OPEN, due_at__gte=now, warn_at__lte=now)
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_q(self, qs: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        if not value:
            return qs
        return qs.filter(Q(code__startswith=value) | Q(description__icontains=value) | Q(address__icontains=value))


class EventClassFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(method="filter_code")
    kind = django_filters.CharFilter()

    class Meta:
        model = EventClass
        fields = ["code", "kind", "severity", "is_active"]

    def filter_code(self, qs: QuerySet[EventClass], name: str, value: Any) -> QuerySet[EventClass]:
        value = (value or "").strip()
        if len(value) == 2:
            return qs.filter(code__startswith=value)
        return qs.filter(code=value) if value else qs
