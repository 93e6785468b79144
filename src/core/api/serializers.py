"""Serializer base: every related field only accepts objects the user can see."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.personal import PersonalField
from core.scoping import is_scoped_model
from core.text import text_problem


def readable_text(value: Any) -> None:
    """Validator for every text field: no bidi controls, not only invisible characters."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise serializers.ValidationError(problem)


class PersonalSerializerField(serializers.CharField):
    """A personal field (core.personal): answers the mask ("138****1234"); accepts a new number,
    or the mask itself sent back unchanged (a client's GET → PUT round trip keeps the number)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        instance = getattr(self.parent, "instance", None)
        single = instance is not None and not isinstance(instance, list)
        current = getattr(instance, self.source or "", None) if single else None
        if current and value == str(current):
            return current  # the Masked value: validators skip it, the stored number stays
        return value


class ScopedModelSerializer(serializers.ModelSerializer):
    """Restricts every related field's queryset to the request user's visible rows.

    So a POST or PUT that points at another town's object fails validation with
    "does not exist", exactly as if the object were not there. Personal fields are masked
    (`PersonalSerializerField`); unmasked values come only from the audited reveal action.
    """

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                PersonalField: PersonalSerializerField}

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[Any, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.CharField):
            kwargs["validators"] = [*kwargs.get("validators", []), readable_text]
        return field_class, kwargs

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
