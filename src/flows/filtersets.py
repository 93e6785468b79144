import django_filters

from core.filters import ScopedFilterSet, SubtreeFilter
from flows.choices import CaseState, MapStatus
from flows.models import Case, ProcessMap


class ProcessMapFilterSet(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=MapStatus.choices)
    item = django_filters.CharFilter(field_name="item__code")
    division = SubtreeFilter()
    q = django_filters.CharFilter(method="filter_q")
    o = django_filters.OrderingFilter(fields=(("item__code", "item"), ("division_id", "division"),
                                              ("version", "version"), ("status", "status")))

    class Meta:
        model = ProcessMap
        fields = ["status", "item", "division", "q"]

    def filter_q(self, qs, name, value):  # noqa: ANN001, ANN201
        from django.db.models import Q

        return qs.filter(Q(item__name__icontains=value) | Q(item__code__icontains=value) | Q(name__icontains=value))


class CaseFilterSet(ScopedFilterSet):
    state = django_filters.ChoiceFilter(choices=CaseState.choices)
    item = django_filters.CharFilter(field_name="item__code")
    division = SubtreeFilter()
    overdue = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_q")
    started = django_filters.DateFromToRangeFilter(field_name="started_at", label="发起日期")
    due = django_filters.DateFromToRangeFilter(field_name="due_at", label="当前环节期限")
    o = django_filters.OrderingFilter(fields=(("number", "number"), ("item__code", "item"), ("division_id", "division"),
                                              ("due_at", "due_at"), ("state", "state"), ("started_at", "started_at")))

    class Meta:
        model = Case
        fields = ["state", "item", "division", "overdue", "q", "started", "due"]

    def filter_q(self, qs, name, value):  # noqa: ANN001, ANN201
        from django.db.models import Q

        return qs.filter(Q(number__icontains=value) | Q(title__icontains=value) | Q(applicant__icontains=value))
