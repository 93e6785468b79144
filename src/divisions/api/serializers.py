from rest_framework import serializers

from core.api.serializers import ScopedModelSerializer
from divisions.models import Division


class DivisionSerializer(ScopedModelSerializer):
    # a declared field named like DRF's Field.parent attribute: the serializer metaclass moves it out
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "kind", "kind_display", "parent", "boundary_synthetic"]
