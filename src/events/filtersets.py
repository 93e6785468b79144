"""One filterset for the event list page (`/events/`, its Excel export) and `GET /api/events/`."""
from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import ScopedFilterSet, SubtreeFilter
from core.forms import PlatformDateField
from events.choices import Channel, Level
from events.lifecycle import State, StateKind
from events.models import Event, EventClass


class PlatformDateFilter(django_filters.DateFilter):
    """A date filter through `core.forms.PlatformDateField` (YYYY-MM-DD within 2000…2099)."""

    field_class = PlatformDateField


# `sort` values (a leading "-" reverses): the list page's sortable columns, also the API's `?sort=`.
SORTS = (("reported_at", "reported_at"), ("due_at", "due_at"), ("code", "code"), ("state", "state"),
         ("event_class__code", "category"), ("division_id", "division"), ("unit__name", "unit"), ("level", "level"))


class EventFilterSet(ScopedFilterSet):
    """`state` (one or several, comma-separated), `kind` open/closed/void, `category` (class code or
    its 2-digit major), `division` (a code of any level or a name; subtree), `level`, `unit` (id),
    `channel`, `overdue` / `warning` (true: open events past their deadline / within 20 % of it),
    `reported_from` / `reported_to` (dates, inclusive, local days), `due_after` / `due_before` (the
    deadline's local date, inclusive), `reported_by_me` (true: reported by the requesting user, a grid
    worker's 我的上报), `q` (code, description, address), `mine` (true: waiting for the requesting user's step, `selectors.waiting_for`), `sort` (one of `SORTS`' names, `-` first for descending; default newest first)."""

    state = django_filters.CharFilter(method="filter_state", label=_("状态"))
    kind = django_filters.ChoiceFilter(field_name="state_kind", choices=StateKind.choices, label=_("状态类型"))
    category = django_filters.CharFilter(method="filter_category", label=_("类别"))
    division = SubtreeFilter(label=_("区划"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("层级"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("承办单位"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("来源渠道"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已超期"))
    warning = django_filters.BooleanFilter(method="filter_warning", label=_("临近时限"))
    reported_from = PlatformDateFilter(field_name="reported_at", lookup_expr="date__gte", label=_("上报日期自"))
    reported_to = PlatformDateFilter(field_name="reported_at", lookup_expr="date__lte", label=_("上报日期至"))
    due = django_filters.DateFromToRangeFilter(field_name="due_at", label=_("办结时限"))
    reported_by_me = django_filters.BooleanFilter(method="filter_reported_by_me", label=_("我上报的"))
    q = django_filters.CharFilter(method="filter_q", label=_("关键词"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("待我办理"))
    sort = django_filters.OrderingFilter(fields=SORTS, label=_("排序"))

    class Meta:
        model = Event
        fields = ["state", "kind", "category", "division", "level", "unit", "channel", "overdue", "warning",
                  "reported_from", "reported_to", "due", "reported_by_me", "q", "mine"]

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

    def filter_mine(self, qs: QuerySet[Event], name: str, value: bool | None) -> QuerySet[Event]:
        from events.selectors import waiting_for

        if value is None:
            return qs
        cond = waiting_for(getattr(self.request, "user", None))
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
