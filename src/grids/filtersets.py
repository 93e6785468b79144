"""Filtersets of the grid pages and API. Every related-object filter offers and accepts only rows
the user may see (`_visible`): the browsable API's dropdowns list nothing of another town, and an
id from another town is refused exactly as an id that does not exist."""
from typing import Any

import django_filters
from django.db.models import Model, QuerySet

from core.filters import SubtreeFilter
from grids.choices import FindingCategory, FindingStatus, GridStatus, GridType, PatrolStatus, TeamRole, WorkerKind
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
    not_patrolled = django_filters.DateFilter(method="filter_not_patrolled", label="当日未巡查")
    mine = django_filters.BooleanFilter(method="filter_mine", label="我的网格")
    o = django_filters.OrderingFilter(fields=(("code", "code"), ("name", "name"), ("type", "type"),
                                              ("village__name", "village"), ("status", "status"),
                                              ("version", "version")))

    class Meta:
        model = Grid
        fields = ["type", "status", "division", "category", "q", "missing", "not_patrolled", "mine"]

    def filter_not_patrolled(self, qs, name, value):  # noqa: ANN001, ANN201
        """Active grids no ended patrol covered on that (local) date."""
        from grids.selectors import not_patrolled

        return not_patrolled(getattr(self.request, "user", None), qs, value) if value else qs

    def filter_mine(self, qs, name, value):  # noqa: ANN001, ANN201
        from grids.selectors import my_grids

        return my_grids(getattr(self.request, "user", None), qs) if value else qs

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
    """The findings page and `GET /api/grids/findings/`: category, status, grid, patrol, division
    (subtree), `found_after` / `found_before` (local dates, inclusive), `mine` (the user's own
    patrols), `o` (sort)."""

    category = django_filters.ChoiceFilter(choices=FindingCategory.choices)
    status = django_filters.ChoiceFilter(choices=FindingStatus.choices)
    grid = django_filters.ModelChoiceFilter(queryset=_visible(Grid))
    patrol = django_filters.ModelChoiceFilter(queryset=_visible(Patrol))
    division = SubtreeFilter()
    found = django_filters.DateFromToRangeFilter(field_name="found_at", label="发现日期")
    mine = django_filters.BooleanFilter(method="filter_mine", label="我的发现")
    o = django_filters.OrderingFilter(fields=(("found_at", "found_at"), ("category", "category"),
                                              ("status", "status"), ("grid__code", "grid"),
                                              ("patrol__worker__name", "worker")))

    class Meta:
        model = Finding
        fields = ["category", "status", "grid", "patrol", "division", "found", "mine"]

    def filter_mine(self, qs, name, value):  # noqa: ANN001, ANN201
        user = getattr(self.request, "user", None)
        return qs.filter(patrol__worker__user_id=getattr(user, "pk", None)) if value else qs
