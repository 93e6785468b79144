import django_filters

from flows.choices import CaseState, MapStatus
from flows.models import Case, ProcessMap


class DivisionPrefixFilter(django_filters.CharFilter):
    """`division=<12-digit code>`: rows in that division's subtree (on top of the user's scope)."""

    def filter(self, qs, value):  # noqa: ANN001, ANN201
        if not value:
            return qs
        from core.errors import PlatformError
        from core.scoping import code_prefix

        if not (value.isdigit() and len(value) == 12):
            raise PlatformError("division 必须是 12 位区划代码", fields={"division": ["必须是 12 位区划代码"]})
        return qs.filter(division__code__startswith=code_prefix(value))


class ProcessMapFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=MapStatus.choices)
    item = django_filters.CharFilter(field_name="item__code")
    division = DivisionPrefixFilter()
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = ProcessMap
        fields = ["status", "item", "division", "q"]

    def filter_q(self, qs, name, value):  # noqa: ANN001, ANN201
        from django.db.models import Q

        return qs.filter(Q(item__name__icontains=value) | Q(item__code__icontains=value) | Q(name__icontains=value))


class CaseFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=CaseState.choices)
    item = django_filters.CharFilter(field_name="item__code")
    division = DivisionPrefixFilter()
    overdue = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Case
        fields = ["state", "item", "division", "overdue", "q"]

    def filter_q(self, qs, name, value):  # noqa: ANN001, ANN201
        from django.db.models import Q

        return qs.filter(Q(number__icontains=value) | Q(title__icontains=value) | Q(applicant__icontains=value))
