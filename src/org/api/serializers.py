from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from core.api.fields import DivisionCodeField, PlatformDatesMixin
from core.api.serializers import ScopedModelSerializer
from org import selectors, services
from org.models import Absence, Post, Staff, Unit, UnitTemplate, UnitTemplateEntry


class UnitTemplateEntrySerializer(ScopedModelSerializer):
    class Meta:
        model = UnitTemplateEntry
        fields = ["id", "template", "name", "kind", "order"]


class UnitTemplateSerializer(ScopedModelSerializer):
    entries = UnitTemplateEntrySerializer(many=True, read_only=True)

    class Meta:
        model = UnitTemplate
        fields = ["id", "name", "applies_to", "entries"]


class UnitSerializer(ScopedModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "division", "name", "kind", "code", "home_department", "order"]

    def validate(self, attrs):  # noqa: ANN001, ANN201
        """A body's name is unique in its division after NFKC normalisation (乡(镇) == 乡（镇）)."""
        attrs = super().validate(attrs)
        division = attrs.get("division", getattr(self.instance, "division", None))
        name = attrs.get("name", getattr(self.instance, "name", ""))
        if division is not None and selectors.unit_named(division.pk, name, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError({"name": ["同一区划内已有同名机构（全角、半角视为相同）"]})
        return attrs


class StaffSerializer(ScopedModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)

    class Meta:
        model = Staff
        fields = ["id", "division", "unit", "name", "establishment", "is_leader", "title",
                  "served_village_secretary", "phone", "id_number", "is_synthetic"]
        read_only_fields = ["is_synthetic"]

    def create(self, validated_data: dict[str, Any]) -> Staff:
        return services.staff_create(**validated_data)

    def update(self, instance: Staff, validated_data: dict[str, Any]) -> Staff:
        return services.staff_update(staff=instance, **validated_data)


class PostSerializer(ScopedModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)
    missing_holder = serializers.BooleanField(read_only=True)
    acting_holder = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "division", "unit", "name", "holder_a", "holder_b", "missing_holder", "acting_holder"]

    def get_acting_holder(self, obj: Post) -> int | None:
        acting = selectors.post_acting_holder(obj, timezone.localdate())
        return acting.pk if acting else None

    def create(self, validated_data: dict[str, Any]) -> Post:
        return services.post_create(unit=validated_data["unit"], name=validated_data["name"],
                                    holder_a=validated_data.get("holder_a"), holder_b=validated_data.get("holder_b"))

    def update(self, instance: Post, validated_data: dict[str, Any]) -> Post:
        instance.name = validated_data.get("name", instance.name)
        if "unit" in validated_data:
            instance.unit = validated_data["unit"]
            instance.division_id = instance.unit.division_id
        return services.post_assign(post=instance, holder_a=validated_data.get("holder_a", instance.holder_a),
                                    holder_b=validated_data.get("holder_b", instance.holder_b))


class AbsenceSerializer(PlatformDatesMixin, ScopedModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)

    class Meta:
        model = Absence
        fields = ["id", "division", "staff", "start", "end", "reason"]

    def create(self, validated_data: dict[str, Any]) -> Absence:
        return services.absence_record(**validated_data)

    def update(self, instance: Absence, validated_data: dict[str, Any]) -> Absence:
        return services.absence_update(absence=instance, **validated_data)


class LeadershipCheckSerializer(serializers.Serializer):
    town = serializers.CharField(source="town_code")
    town_name = serializers.CharField()
    leaders = serializers.IntegerField()
    with_secretary_experience = serializers.IntegerField()
    share = serializers.FloatField()
    ok = serializers.BooleanField()


class LeadershipQuerySerializer(serializers.Serializer):
    """`?town=<12-digit code>&failing=true`: one town, or only the towns below 30%."""

    town = DivisionCodeField(required=False, help_text="one town's 12-digit code")
    failing = serializers.BooleanField(required=False, default=False, help_text="only towns below 30%")
