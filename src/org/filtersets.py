import django_filters

from org.choices import UnitKind
from org.models import Absence, Post, Staff, Unit


class DivisionPrefixFilter(django_filters.CharFilter):
    """`division=<code>`: rows in that division's subtree (combined with the user's scope)."""

    def filter(self, qs, value):  # noqa: ANN001, ANN201
        if not value:
            return qs
        from core.scoping import code_prefix

        if not (value.isdigit() and len(value) == 12):
            from core.errors import PlatformError

            raise PlatformError("division 必须是 12 位区划代码", fields={"division": ["必须是 12 位区划代码"]})
        return qs.filter(**{f"{qs.model.scope_lookup}__startswith": code_prefix(value)})


class UnitFilterSet(django_filters.FilterSet):
    division = DivisionPrefixFilter()
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Unit
        fields = ["division", "kind", "q", "home_department"]


class StaffFilterSet(django_filters.FilterSet):
    division = DivisionPrefixFilter()
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Staff
        fields = ["division", "unit", "is_leader", "establishment", "served_village_secretary", "q"]


class PostFilterSet(django_filters.FilterSet):
    division = DivisionPrefixFilter()
    missing_holder = django_filters.BooleanFilter(method="filter_missing")

    class Meta:
        model = Post
        fields = ["division", "unit", "missing_holder"]

    def filter_missing(self, qs, name, value):  # noqa: ANN001, ANN201
        from django.db.models import Q

        missing = Q(holder_a__isnull=True) | Q(holder_b__isnull=True)
        return qs.filter(missing) if value else qs.exclude(missing)


class AbsenceFilterSet(django_filters.FilterSet):
    division = DivisionPrefixFilter()

    class Meta:
        model = Absence
        fields = ["division", "staff"]
