import django_filters

from core.filters import ScopedFilterSet, SubtreeFilter
from org.choices import UnitKind
from org.models import Absence, Post, Staff, Unit


class UnitFilterSet(ScopedFilterSet):
    division = SubtreeFilter()
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Unit
        fields = ["division", "kind", "q", "home_department"]


class StaffFilterSet(ScopedFilterSet):
    division = SubtreeFilter()
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Staff
        fields = ["division", "unit", "is_leader", "establishment", "served_village_secretary", "q"]


class PostFilterSet(ScopedFilterSet):
    division = SubtreeFilter()
    missing_holder = django_filters.BooleanFilter(method="filter_missing")

    class Meta:
        model = Post
        fields = ["division", "unit", "missing_holder"]

    def filter_missing(self, qs, name, value):  # noqa: ANN001, ANN201
        from django.db.models import Q

        missing = Q(holder_a__isnull=True) | Q(holder_b__isnull=True)
        return qs.filter(missing) if value else qs.exclude(missing)


class AbsenceFilterSet(ScopedFilterSet):
    division = SubtreeFilter()

    class Meta:
        model = Absence
        fields = ["division", "staff"]
