from django.utils import timezone
from rest_framework import serializers

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

    def create(self, validated_data):  # noqa: ANN001, ANN201
        return services.staff_create(**validated_data)

    def update(self, instance, validated_data):  # noqa: ANN001, ANN201
        if "unit" in validated_data:
            instance.division_id = validated_data["unit"].division_id
        return super().update(instance, validated_data)


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

    def validate(self, attrs):  # noqa: ANN001, ANN201
        a = attrs.get("holder_a", getattr(self.instance, "holder_a", None))
        b = attrs.get("holder_b", getattr(self.instance, "holder_b", None))
        if a is not None and b is not None and a.pk == b.pk:
            raise serializers.ValidationError({"holder_b": ["A岗与B岗不能是同一人"]})
        return attrs

    def create(self, validated_data):  # noqa: ANN001, ANN201
        unit = validated_data["unit"]
        post = Post(division_id=unit.division_id, unit=unit, name=validated_data["name"])
        post.save()
        return services.post_assign(post=post, holder_a=validated_data.get("holder_a"),
                                    holder_b=validated_data.get("holder_b"))

    def update(self, instance, validated_data):  # noqa: ANN001, ANN201
        instance.name = validated_data.get("name", instance.name)
        if "unit" in validated_data:
            instance.unit = validated_data["unit"]
            instance.division_id = instance.unit.division_id
        return services.post_assign(post=instance, holder_a=validated_data.get("holder_a", instance.holder_a),
                                    holder_b=validated_data.get("holder_b", instance.holder_b))


class AbsenceSerializer(ScopedModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)

    class Meta:
        model = Absence
        fields = ["id", "division", "staff", "start", "end", "reason"]

    def create(self, validated_data):  # noqa: ANN001, ANN201
        return services.absence_record(**validated_data)

    def validate(self, attrs):  # noqa: ANN001, ANN201
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end": ["结束日期不能早于开始日期"]})
        return attrs


class LeadershipCheckSerializer(serializers.Serializer):
    town = serializers.CharField(source="town_code")
    town_name = serializers.CharField()
    leaders = serializers.IntegerField()
    with_secretary_experience = serializers.IntegerField()
    share = serializers.FloatField()
    ok = serializers.BooleanField()
