"""Filtersets of the grid pages and API. Every related-object filter offers and accepts only rows
the user may see (`_visible`): the browsable API's dropdowns list nothing of another town, and an
id from another town is refused exactly as an id that does not exist."""
from typing import Any

import django_filters
from django.db.models import Model, QuerySet

from core.filters import SubtreeFilter
from grids.choices import FindingCategory, GridStatus, GridType, PatrolStatus, TeamRole, WorkerKind
from grids.models import Finding, Grid, GridMembership, GridWorker, Patrol


def _visible(model: type[Model]) -> Any:
    def queryset(request: Any) -> QuerySet:
        return model.objects.visible_to(getattr(request, "user", None))  # type: ignore[attr-defined]
    return queryset


class GridFilterSet(django_filters.FilterSet):
    """One filterset for the grid list page and `GET /api/grids/`."""

    type = django_filters.ChoiceFilter(choices=GridType.choices)
    status = django_filters.ChoiceFilter(choices=GridStatus.choices)
    division = SubtreeFilter()
    q = django_filters.CharFilter(method="filter_q")
    missing = django_filters.ChoiceFilter(choices=[("head", "无网格长"), ("workers", "无网格员")], method="filter_missing")

    class Meta:
        model = Grid
        fields = ["type", "status", "division", "category", "q", "missing"]

    def filter_q(self, qs, name, value):  # noqa: ANN001, ANN201
        from django.db.models import Q

        return qs.filter(Q(code__startswith=value) | Q(name__icontains=value)) if value else qs

    def filter_missing(self, qs, name, value):  # noqa: ANN001, ANN201
        from grids.selectors import with_team_flags

        if value == "head":
            return with_team_flags(qs).filter(has_head=False)
        if value == "workers":
            return with_team_flags(qs).filter(has_workers=False)
        return qs


class WorkerFilterSet(django_filters.FilterSet):
    division = SubtreeFilter()
    kind = django_filters.ChoiceFilter(choices=WorkerKind.choices)
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = GridWorker
        fields = ["division", "kind", "q", "active"]


class MembershipFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=TeamRole.choices)
    grid = django_filters.ModelChoiceFilter(queryset=_visible(Grid))
    worker = django_filters.ModelChoiceFilter(queryset=_visible(GridWorker))

    class Meta:
        model = GridMembership
        fields = ["grid", "worker", "role"]


class PatrolFilterSet(django_filters.FilterSet):
    division = SubtreeFilter()
    status = django_filters.ChoiceFilter(choices=PatrolStatus.choices)
    date = django_filters.DateFilter(field_name="started_at", lookup_expr="date")
    worker = django_filters.ModelChoiceFilter(queryset=_visible(GridWorker))
    grid = django_filters.ModelChoiceFilter(queryset=_visible(Grid))

    class Meta:
        model = Patrol
        fields = ["division", "status", "date", "worker", "grid"]


class FindingFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=FindingCategory.choices)
    grid = django_filters.ModelChoiceFilter(queryset=_visible(Grid))
    patrol = django_filters.ModelChoiceFilter(queryset=_visible(Patrol))

    class Meta:
        model = Finding
        fields = ["category", "status", "grid", "patrol"]
