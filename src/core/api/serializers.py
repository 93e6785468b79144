"""Serializer base: every related field only accepts objects the user can see."""
from __future__ import annotations

import threading
from typing import Any

from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from core.personal import PersonalField
from core.scoping import is_scoped_model, restricted_for, scope_for
from core.text import text_problem


def readable_text(value: Any) -> None:
    """Validator for every text field: no bidi controls, not only invisible characters."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise serializers.ValidationError(problem)


def visible_rows(value: Any, user: Any) -> Any:
    """The rows of a to-many relation (manager, queryset or list) that `user` can see.

    An unevaluated queryset is restricted in the database; rows already loaded (a prefetch)
    are judged one by one with `Scope.sees`, so a prefetch costs no further query.
    """
    if value is None:
        return value
    if hasattr(value, "get_queryset") and not isinstance(value, serializers.Field):  # a related manager
        value = value.all()
    if restricted_for(value, user):  # prefetched through RestrictedPrefetch for this user
        return value
    scope = scope_for(user)
    model: Any = getattr(value, "model", None)
    if getattr(value, "_result_cache", 1) is None and is_scoped_model(model):
        return value.visible_to(user)
    return [row for row in value if scope.sees(row)]


def _restrict_many(field: Any, user: Any) -> None:
    """Wraps a to-many field so it reads only visible rows (nested serializers and id lists)."""
    if getattr(field, "_reads_visible_rows", False):
        return
    original = field.get_attribute

    def get_attribute(instance: Any) -> Any:
        return visible_rows(original(instance), user)

    field.get_attribute = get_attribute
    field._reads_visible_rows = True


def restrict_serializer(serializer: Any, user: Any) -> Any:
    """Restricts any serializer instance (ScopedModelSerializer or not) to `user`'s rows.

    Every related field's choices (the browsable API's HTML form dropdowns, and validation)
    and every to-many field's rows pass through `visible_to(user)`; nested serializers too.
    The API base views apply it to every serializer they build. Returns the serializer.
    """
    target = serializer.child if isinstance(serializer, serializers.ListSerializer) else serializer
    fields = getattr(target, "fields", None) if isinstance(target, serializers.Serializer) else None
    for field in (fields or {}).values():
        related: Any = getattr(field, "child_relation", field)
        queryset = getattr(related, "queryset", None)
        if queryset is not None and is_scoped_model(queryset.model):
            related.queryset = queryset.visible_to(user)
        if isinstance(field, serializers.ManyRelatedField | serializers.ListSerializer):
            _restrict_many(field, user)
        if isinstance(field, serializers.Serializer | serializers.ListSerializer):
            restrict_serializer(field, user)
    return serializer


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
    """Restricts every related field to the request user's visible rows, both ways.

    Writes: a POST or PUT that points at another town's object fails validation with
    "does not exist", exactly as if the object were not there. Reads: every to-many field
    (a nested `many=True` serializer or a list of ids) shows only the rows the user can see,
    prefetched or not. Personal fields are masked (`PersonalSerializerField`); unmasked values
    come only from the audited reveal action.
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
            # Serialised without a request (a view answering with the row it just wrote): no
            # user to judge by, and the parent was already scoped, so reads are left as they are.
            if request is not None and isinstance(field, serializers.ManyRelatedField | serializers.ListSerializer):
                _restrict_many(field, user)
        return fields


class FieldsOncePerThread:
    """Mixin for a flat input serializer on a hot path (plain fields, no context, never nested, one
    instance in use at a time per thread): DRF deep-copies every declared field for each instance,
    which for the events intake's 15-field body was most of validating it (profiled). The copies
    are made once per thread and each new instance takes them over (only the fields' `parent`
    changes: the names they are bound under are the same)."""

    _built = threading.local()

    @cached_property
    def fields(self) -> BindingDict:
        by_class: dict[type, dict[str, Any]] = self._built.__dict__.setdefault("by_class", {})
        template = by_class.get(type(self))
        fields = BindingDict(self)  # type: ignore[arg-type]  # a Serializer subclass uses the mixin
        if template is None:
            for key, value in self.get_fields().items():  # type: ignore[attr-defined]
                fields[key] = value  # bound here, once
            by_class[type(self)] = dict(fields.fields)
        else:
            for key, field in template.items():
                field.parent = self
                fields.fields[key] = field
        return fields
