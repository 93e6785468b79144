"""One filterset for the inbox page and the API: unread only, kind."""
from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import ScopedFilterSet
from notify.choices import NotificationKind
from notify.models import Notification


class NotificationFilterSet(ScopedFilterSet):
    unread = django_filters.BooleanFilter(method="filter_unread", label=_("仅未读"))
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices, label=_("类型"))

    class Meta:
        model = Notification
        fields = ["unread", "kind"]

    def filter_unread(self, queryset: QuerySet[Notification], name: str, value: bool | None) -> QuerySet[Notification]:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)
