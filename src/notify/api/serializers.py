from __future__ import annotations

from rest_framework import serializers

from core.api.serializers import ScopedModelSerializer
from notify.models import Notification


class NotificationSerializer(ScopedModelSerializer):
    """A notification as the inbox shows it; `to` is "user" (yours) or "unit" (your unit's)."""

    to = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", default=None, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "title", "body", "link", "to", "unit_name", "created_at",
                  "is_read", "read_at"]
        read_only_fields = fields

    def get_to(self, obj: Notification) -> str:
        return "unit" if obj.unit_id else "user"


class UnreadCountSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    own = serializers.IntegerField()
    unit = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
