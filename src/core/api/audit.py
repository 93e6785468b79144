import django_filters
from rest_framework import serializers

from core.api.views import ScopedReadOnlyViewSet
from core.models import AuditLog


class AuditLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditLog
        fields = ["id", "at", "actor_id", "actor_name", "source", "action", "model", "object_id", "object_repr",
                  "before", "after", "reason", "division_code"]


class AuditLogFilterSet(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["model", "object_id", "action", "actor_name", "source", "since", "until"]


class AuditLogViewSet(ScopedReadOnlyViewSet):
    """The audit log of your subtree (append-only, read-only)."""

    queryset = AuditLog.objects.all()
    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilterSet
