"""Serializer base: every related field only accepts objects the user can see."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.scoping import is_scoped_model


class ScopedModelSerializer(serializers.ModelSerializer):
    """Restricts every related field's queryset to the request user's visible rows.

    So a POST or PUT that points at another town's object fails validation with
    "does not exist", exactly as if the object were not there.
    """

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            target: Any = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None and is_scoped_model(queryset.model):
                target.queryset = queryset.visible_to(user)
        return fields
