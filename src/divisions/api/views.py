from core.api.views import ScopedReadOnlyViewSet
from divisions.api.serializers import DivisionSerializer
from divisions.filtersets import DivisionFilterSet
from divisions.models import Division


class DivisionViewSet(ScopedReadOnlyViewSet):
    """Divisions: your own subtree and your ancestors (reference data, read-only)."""

    queryset = Division.objects.all()
    serializer_class = DivisionSerializer
    filterset_class = DivisionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"\d{12}"
