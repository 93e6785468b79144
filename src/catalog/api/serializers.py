"""API serializers: thin; every write goes through catalog.services."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from catalog import selectors, services
from catalog.choices import ChangeKind, EntryOp, ListKind, ReturnReason, ReviewDecision
from catalog.models import Admission, Assignment, Item, ItemList, ListVersion, Matter, PowerChange, Responsibility
from core.api.fields import DivisionCodeField, PlatformDateField, PlatformDatesMixin, validated_query
from core.api.serializers import ScopedModelSerializer
from core.downloads import file_url
from divisions.models import Division
from org.models import Unit


class ItemSerializer(ScopedModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Item
        fields = ["id", "code", "name", "kind", "kind_label", "legal_basis", "department_code", "guidance_entry",
                  "domain", "delegable", "is_routine", "is_synthetic"]


class MatterSerializer(ScopedModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True, default=None)

    class Meta:
        model = Matter
        fields = ["id", "code", "name", "domain", "item", "item_code", "department_code", "default_holder",
                  "town_body", "description", "is_synthetic"]


class AsOfQuerySerializer(serializers.Serializer):
    """`?as_of=YYYY-MM-DD`: as in force on that date (default today)."""

    as_of = PlatformDateField(required=False, help_text="YYYY-MM-DD，默认今天")


def as_of_param(request: Any) -> dt.date:
    """The validated `as_of` query parameter of an API request (a 400 naming it when malformed)."""
    return validated_query(AsOfQuerySerializer, request).get("as_of") or timezone.localdate()


class AnswerQuerySerializer(AsOfQuerySerializer):
    division = DivisionCodeField(help_text="乡镇（街道）或其下村（社区）的 12 位区划代码")
    matter = serializers.CharField(max_length=30, help_text="职责事项编码",
                                   error_messages={"required": "请给出职责事项编码 matter",
                                                   "blank": "请给出职责事项编码 matter"})


class GapsQuerySerializer(AsOfQuerySerializer):
    town = DivisionCodeField(required=False, help_text="只看这个乡镇（街道）")
    matter = serializers.CharField(required=False, max_length=30, help_text="只看这个职责事项")
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1_000_000,
                                    error_messages={"invalid": "page 须为正整数", "min_value": "page 须为正整数"})
    page_size = serializers.IntegerField(
        required=False, default=100, min_value=1, max_value=2000,
        error_messages={"invalid": "page_size 须为 1 至 2000 的整数", "min_value": "page_size 须为 1 至 2000 的整数",
                        "max_value": "page_size 不能超过 2000"})


class HandoverQuerySerializer(serializers.Serializer):
    town = DivisionCodeField(help_text="乡镇（街道）的 12 位区划代码")
    admission = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="准入编号")
    task = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="交办任务名称")


class ListItemSerializer(serializers.Serializer):
    code = serializers.CharField(source="item.code")
    name = serializers.CharField(source="item.name")
    kind = serializers.CharField(source="item.kind")
    legal_basis = serializers.CharField(source="item.legal_basis")
    department_code = serializers.CharField(source="item.department_code")
    is_synthetic = serializers.BooleanField(source="item.is_synthetic")
    origin = serializers.CharField()
    version = serializers.IntegerField(source="version.number")
    reason = serializers.CharField()


class ItemListSerializer(ScopedModelSerializer):
    """A list with the items in force on `as_of` (default today)."""

    division_name = serializers.CharField(source="division.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    as_of = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    base_version = serializers.SerializerMethodField()
    count = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    withheld = serializers.SerializerMethodField()

    class Meta:
        model = ItemList
        fields = ["id", "division", "division_name", "kind", "kind_label", "base", "as_of", "version",
                  "base_version", "count", "items", "withheld"]

    def _state(self, obj: ItemList) -> selectors.ListState:
        context: dict[str, Any] = self.context  # type: ignore[assignment]  # DRF hands a dict
        cache = context.setdefault("_states", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.list_state(obj, as_of_param(self.context["request"]))
        return cache[obj.pk]

    def get_as_of(self, obj: ItemList) -> str:
        return self._state(obj).as_of.isoformat()

    def get_version(self, obj: ItemList) -> int | None:
        v = self._state(obj).version
        return v.number if v else None

    def get_base_version(self, obj: ItemList) -> int | None:
        v = self._state(obj).base_version
        return v.number if v else None

    def get_count(self, obj: ItemList) -> int:
        return len(self._state(obj).entries)

    def get_items(self, obj: ItemList) -> list[dict]:
        return list(ListItemSerializer(self._state(obj).entries, many=True).data)

    def get_withheld(self, obj: ItemList) -> list[dict]:
        return list(ListItemSerializer(self._state(obj).withheld, many=True).data)


class EntrySerializer(serializers.Serializer):
    item = serializers.CharField(max_length=30)
    op = serializers.ChoiceField(choices=EntryOp.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ItemListCreateSerializer(serializers.Serializer):
    """Issue a county list (`items`) or adopt the county list for a town (`added`, `withheld`)."""

    division = serializers.CharField(max_length=12)
    kind = serializers.ChoiceField(choices=ListKind.choices)
    effective_date = PlatformDateField()
    reason = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    added = EntrySerializer(many=True, required=False, default=list)
    withheld = EntrySerializer(many=True, required=False, default=list)


class VersionCreateSerializer(serializers.Serializer):
    effective_date = PlatformDateField()
    reason = serializers.CharField()
    entries = EntrySerializer(many=True)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    effective_date = PlatformDateField()
    reason = serializers.CharField()


class ListVersionSerializer(PlatformDatesMixin, ScopedModelSerializer):
    division = serializers.CharField(source="item_list.division_id", read_only=True)
    list_kind = serializers.CharField(source="item_list.kind", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = ListVersion
        fields = ["id", "item_list", "division", "list_kind", "number", "effective_date", "recorded_at", "source",
                  "source_label", "reason", "entries", "change", "recorded_by"]


class ResponsibilitySerializer(PlatformDatesMixin, ScopedModelSerializer):
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.all())
    matter = serializers.SlugRelatedField(slug_field="code", queryset=Matter.objects.all())
    main_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), allow_null=True)
    cooperating_units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True, required=False)
    main_unit_name = serializers.CharField(source="main_unit.name", read_only=True, default=None)

    class Meta:
        model = Responsibility
        fields = ["id", "division", "matter", "main_unit", "main_unit_name", "cooperating_units", "valid_from",
                  "valid_to", "change", "note"]
        read_only_fields = ["valid_to", "change"]

    def create(self, validated_data: dict) -> Responsibility:
        request = self.context["request"]
        return services.responsibility_set(
            town=validated_data["division"], matter=validated_data["matter"], main_unit=validated_data["main_unit"],
            cooperating=validated_data.get("cooperating_units", []), valid_from=validated_data.get("valid_from"),
            note=validated_data.get("note", ""), user=request.user)


class AdmissionSerializer(PlatformDatesMixin, ScopedModelSerializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    towns = serializers.PrimaryKeyRelatedField(queryset=Division.objects.all(), many=True, required=False)
    department_name = serializers.CharField(source="department.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    all_towns = serializers.SerializerMethodField(help_text="true: every town of the county (no towns listed); "
                                                            "`towns` lists only the towns you can see")

    class Meta:
        model = Admission
        fields = ["id", "code", "division", "department", "department_name", "title", "description", "legal_basis",
                  "staff", "funds", "systems", "towns", "all_towns", "valid_until", "state", "state_label", "history",
                  "created_at", "updated_at"]
        read_only_fields = ["code", "division", "state", "history", "created_at", "updated_at"]

    def get_all_towns(self, obj: Admission) -> bool:
        listed = getattr(obj, "listed_towns", None)  # annotated by the API's queryset
        if listed is None:
            listed = Admission.towns.through.objects.filter(admission_id=obj.pk).count()
        return bool(listed == 0)

    def create(self, validated_data: dict) -> Admission:
        return services.admission_file(user=self.context["request"].user, **validated_data)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    reason = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AdmissionResubmitSerializer(serializers.Serializer):
    reason = serializers.CharField()
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    legal_basis = serializers.CharField(required=False)
    staff = serializers.IntegerField(required=False, min_value=0)
    funds = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
    systems = serializers.CharField(required=False, allow_blank=True)
    valid_until = PlatformDateField(required=False, allow_null=True)


class AssignmentSerializer(PlatformDatesMixin, ScopedModelSerializer):
    admission = serializers.CharField(write_only=True, required=False, allow_blank=True, allow_null=True,
                                      help_text="准入编号（如 ZR321002-2026-0001）")
    admission_code = serializers.CharField(source="admission.code", read_only=True)
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.all())

    class Meta:
        model = Assignment
        fields = ["id", "division", "admission", "admission_code", "department", "title", "detail", "due_date",
                  "created_at"]
        read_only_fields = ["department", "created_at"]

    def create(self, validated_data: dict) -> Assignment:
        return services.assignment_create(
            town=validated_data["division"], admission=validated_data.get("admission") or None,
            title=validated_data["title"], detail=validated_data.get("detail", ""),
            due_date=validated_data.get("due_date"), user=self.context["request"].user)


class PowerChangeSerializer(PlatformDatesMixin, ScopedModelSerializer):
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.all())
    item = serializers.SlugRelatedField(slug_field="code", queryset=Item.objects.all())
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    op = serializers.ChoiceField(choices=EntryOp.choices, required=False, allow_null=True)
    reason_category = serializers.ChoiceField(choices=ReturnReason.choices, required=False, allow_blank=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    list_versions = serializers.PrimaryKeyRelatedField[ListVersion](many=True, read_only=True)
    evidence_files = serializers.ListField(
        child=serializers.FileField(), write_only=True, required=False, default=list,
        help_text="佐证材料文件（multipart，可重复）；退还必须至少一个")
    documents = serializers.SerializerMethodField(help_text="已上传的佐证材料")

    class Meta:
        model = PowerChange
        fields = ["id", "division", "kind", "kind_label", "op", "item", "item_name", "department", "department_name",
                  "reason_category", "reason", "evidence", "legal_reviewer", "legal_opinion", "legal_review_date",
                  "effective_date", "handover_plan", "open_work", "state", "state_label", "history",
                  "list_versions", "evidence_files", "documents", "created_at", "updated_at"]
        read_only_fields = ["department", "open_work", "state", "history", "created_at", "updated_at"]

    def get_documents(self, obj: PowerChange) -> list[dict[str, Any]]:
        return [{"id": f.pk, "name": f.name, "size": f.size, "sha256": f.sha256,
                 "uploaded_at": f.uploaded_at.isoformat(), "url": file_url("change-evidence", f.pk)}
                for f in obj.evidence_files.all()]

    def create(self, validated_data: dict) -> PowerChange:
        data = dict(validated_data)
        return services.change_file(kind=data.pop("kind"), town=data.pop("division"), item=data.pop("item"),
                                    user=self.context["request"].user, **data)


class OpinionSerializer(serializers.Serializer):
    agree = serializers.BooleanField()
    opinion = serializers.CharField()


class ChangeResubmitSerializer(serializers.Serializer):
    reason = serializers.CharField()
    effective_date = PlatformDateField(required=False)
    evidence = serializers.CharField(required=False, allow_blank=True)
    legal_reviewer = serializers.CharField(required=False, allow_blank=True)
    legal_opinion = serializers.CharField(required=False, allow_blank=True)
    legal_review_date = PlatformDateField(required=False)
    handover_plan = serializers.CharField(required=False, allow_blank=True)
    evidence_files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                           help_text="补充的佐证材料文件（multipart）")


class AnswerSerializer(serializers.Serializer):
    """The responsibility answer (`selectors.Answer.as_dict`), rendered through this serializer."""

    division = serializers.CharField()
    town = serializers.CharField()
    as_of = PlatformDateField()
    matter = serializers.CharField()
    matter_name = serializers.CharField()
    main = serializers.DictField(allow_null=True)
    cooperating = serializers.ListField(child=serializers.DictField())
    gap = serializers.BooleanField()
    valid_from = PlatformDateField(allow_null=True)
    valid_to = PlatformDateField(allow_null=True)
    change = serializers.IntegerField(allow_null=True)
    county_department_code = serializers.CharField()


class GapSerializer(serializers.Serializer):
    town = serializers.CharField()
    town_name = serializers.CharField()
    matter = serializers.CharField()
    matter_name = serializers.CharField()
    reason = serializers.CharField()


class HandoverCheckSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    admission = serializers.CharField()
    title = serializers.CharField()
    town = serializers.CharField()
