"""One filterset per model, used by the pages and the API alike."""
import django_filters
from django.db.models import Q

from catalog.choices import AdmissionState, ChangeKind, ChangeState, ItemKind, ListKind
from catalog.models import Admission, Assignment, Item, ItemList, ListVersion, Matter, PowerChange, Responsibility
from core.filters import ScopedFilterSet, SubtreeFilter, division_param
from core.text import search_variants


class ExactDivisionFilter(django_filters.CharFilter):
    def filter(self, qs, value):  # noqa: ANN001, ANN201
        if not value:
            return qs
        return qs.filter(**{qs.model.scope_lookup: division_param(value, self.field_name)})


class SearchFilter(django_filters.CharFilter):
    def __init__(self, *args, fields=("code", "name"), **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN204
        self.search_fields = fields
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):  # noqa: ANN001, ANN201
        if not value:
            return qs
        q = Q()
        for f in self.search_fields:
            for v in search_variants(value):  # 乡(镇) finds 乡（镇）
                q |= Q(**{f"{f}__icontains": v})
        return qs.filter(q)


class ItemFilterSet(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=ItemKind.choices)
    q = SearchFilter(fields=("code", "name", "legal_basis"))
    o = django_filters.OrderingFilter(fields=(("code", "code"), ("name", "name"), ("kind", "kind"),
                                              ("department_code", "department_code"), ("delegable", "delegable")))

    class Meta:
        model = Item
        fields = ["kind", "domain", "department_code", "delegable", "is_synthetic", "q"]


class MatterFilterSet(ScopedFilterSet):
    q = SearchFilter()

    class Meta:
        model = Matter
        fields = ["domain", "department_code", "default_holder", "item", "is_synthetic", "q"]


class ItemListFilterSet(ScopedFilterSet):
    division = ExactDivisionFilter()
    within = SubtreeFilter()
    kind = django_filters.ChoiceFilter(choices=ListKind.choices)

    class Meta:
        model = ItemList
        fields = ["division", "within", "kind"]


class ListVersionFilterSet(ScopedFilterSet):
    division = ExactDivisionFilter()
    within = SubtreeFilter()

    class Meta:
        model = ListVersion
        fields = ["item_list", "division", "within", "source", "change"]


class ResponsibilityFilterSet(ScopedFilterSet):
    division = ExactDivisionFilter()
    within = SubtreeFilter()
    matter = django_filters.CharFilter(field_name="matter__code")
    current = django_filters.BooleanFilter(field_name="valid_to", lookup_expr="isnull")

    class Meta:
        model = Responsibility
        fields = ["division", "within", "matter", "main_unit", "current"]


class AdmissionFilterSet(ScopedFilterSet):
    state = django_filters.ChoiceFilter(choices=AdmissionState.choices)
    q = SearchFilter(fields=("code", "title"))
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label="申请日期")
    o = django_filters.OrderingFilter(fields=(("code", "code"), ("title", "title"), ("department__name", "department"),
                                              ("state", "state"), ("created_at", "created_at")))

    class Meta:
        model = Admission
        fields = ["state", "department", "q", "created"]


class AssignmentFilterSet(ScopedFilterSet):
    division = ExactDivisionFilter()
    within = SubtreeFilter()

    class Meta:
        model = Assignment
        fields = ["division", "within", "admission"]


class PowerChangeFilterSet(ScopedFilterSet):
    division = ExactDivisionFilter()
    within = SubtreeFilter()
    kind = django_filters.ChoiceFilter(choices=ChangeKind.choices)
    state = django_filters.ChoiceFilter(choices=ChangeState.choices)
    item = SearchFilter(fields=("item__code", "item__name"), label="事项名称或编码", max_length=100)
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label="申报日期")
    effective = django_filters.DateFromToRangeFilter(field_name="effective_date", label="生效日期")
    o = django_filters.OrderingFilter(fields=(("kind", "kind"), ("division_id", "division"), ("item__code", "item"),
                                              ("effective_date", "effective_date"), ("state", "state"),
                                              ("created_at", "created_at")))

    class Meta:
        model = PowerChange
        fields = ["division", "within", "kind", "state", "item", "department", "created", "effective"]
