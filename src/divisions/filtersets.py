import django_filters

from core.filters import ScopedFilterSet
from divisions.choices import Level
from divisions.models import Division


class DivisionFilterSet(ScopedFilterSet):
    """One filterset for the division list page and the API."""

    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.CharFilter(field_name="parent_id")
    code = django_filters.CharFilter(field_name="code")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="名称包含")

    class Meta:
        model = Division
        fields = ["level", "parent", "code", "q"]
