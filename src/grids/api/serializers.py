from __future__ import annotations

import json

from rest_framework import serializers

from core.api.serializers import ScopedModelSerializer
from grids import services
from grids.models import Finding, Grid, GridMembership, GridReport, GridVersion, GridWorker, Patrol


class DivisionRefField(serializers.Field):
    def to_representation(self, value):  # noqa: ANN001, ANN201
        return {"code": value.code, "name": value.name} if value is not None else None


class GridSerializer(ScopedModelSerializer):
    village = DivisionRefField(read_only=True)
    division = serializers.CharField(source="division_id", read_only=True)
    centroid = serializers.SerializerMethodField()

    class Meta:
        model = Grid
        fields = ["id", "code", "name", "type", "category", "status", "division", "village", "centroid", "area_m2",
                  "version", "is_synthetic"]
        read_only_fields = fields

    def get_centroid(self, obj: Grid) -> list[float]:
        return [obj.centroid_lng, obj.centroid_lat]


class GridVersionSerializer(ScopedModelSerializer):
    geometry_before = serializers.SerializerMethodField()

    class Meta:
        model = GridVersion
        fields = ["id", "grid", "version", "action", "code_before", "status_before", "geometry_before", "note",
                  "actor_name", "at"]
        read_only_fields = fields

    def get_geometry_before(self, obj: GridVersion) -> dict | None:
        return json.loads(obj.geometry_before) if obj.geometry_before else None


class GridWorkerSerializer(ScopedModelSerializer):
    grids = serializers.SerializerMethodField()

    class Meta:
        model = GridWorker
        fields = ["id", "name", "phone", "division", "kind", "user", "active", "is_synthetic", "grids"]
        read_only_fields = ["is_synthetic", "user"]

    def get_grids(self, obj: GridWorker) -> list[dict]:
        return [{"grid": m.grid_id, "code": m.grid.code, "role": m.role} for m in obj.memberships.all()]

    def create(self, validated_data):  # noqa: ANN001, ANN201
        return services.worker_create(**validated_data)


class GridMembershipSerializer(ScopedModelSerializer):
    worker_name = serializers.CharField(source="worker.name", read_only=True)
    grid_code = serializers.CharField(source="grid.code", read_only=True)
    replace_head = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = GridMembership
        fields = ["id", "grid", "grid_code", "worker", "worker_name", "role", "since", "replace_head"]
        validators: list = []  # the one-head rule is the service's (409 with a clear message)

    def create(self, validated_data):  # noqa: ANN001, ANN201
        return services.membership_add(**validated_data)

    def update(self, instance, validated_data):  # noqa: ANN001, ANN201
        from core.errors import PlatformError

        validated_data.pop("replace_head", None)
        if validated_data.get("role", instance.role) == "head" and instance.role != "head":
            if GridMembership.objects.filter(grid=instance.grid, role="head").exists():
                raise PlatformError("该网格已有网格长，一格只能有一名网格长", code="head_exists", status=409)
        for key in ("grid", "worker"):
            if key in validated_data and validated_data[key] != getattr(instance, key):
                raise PlatformError("不能修改网格或人员，请删除后重新添加", code="immutable")
        return super().update(instance, validated_data)


class FindingSerializer(ScopedModelSerializer):
    grid_code = serializers.CharField(source="grid.code", read_only=True, default=None)
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "uuid", "patrol", "grid", "grid_code", "category", "description", "lng", "lat",
                  "photo_url", "status", "found_at"]
        read_only_fields = fields

    def get_photo_url(self, obj: Finding) -> str | None:
        if not obj.photo:
            return None
        from django.core.files.storage import default_storage

        return default_storage.url(obj.photo)


class PatrolSerializer(ScopedModelSerializer):
    worker_name = serializers.CharField(source="worker.name", read_only=True)
    track = serializers.SerializerMethodField()
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = ["id", "uuid", "worker", "worker_name", "division", "grid", "status", "started_at", "ended_at",
                  "track", "timestamps", "duration_s", "distance_m", "grids_covered", "findings"]
        read_only_fields = fields

    def get_track(self, obj: Patrol) -> dict | None:
        return json.loads(obj.track) if obj.track else None


class PatrolStartSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    started_at = serializers.DateTimeField(required=False)
    lat = serializers.FloatField(required=False)
    lng = serializers.FloatField(required=False)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02"], default="wgs84")
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False)


class PointsSerializer(serializers.Serializer):
    points = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class FindingCreateSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    category = serializers.CharField()
    description = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02"], default="wgs84")
    photo = serializers.FileField(required=False)
    found_at = serializers.DateTimeField(required=False)


class GridReportSerializer(ScopedModelSerializer):
    xlsx_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = GridReport
        fields = ["id", "kind", "division", "period_start", "period_end", "title", "summary", "created_at",
                  "xlsx_url", "pdf_url"]
        read_only_fields = fields

    def get_xlsx_url(self, obj: GridReport) -> str | None:
        from django.urls import reverse

        return reverse("grid-report-download", kwargs={"pk": obj.pk, "fmt": "xlsx"}) if obj.xlsx else None

    def get_pdf_url(self, obj: GridReport) -> str | None:
        from django.urls import reverse

        return reverse("grid-report-download", kwargs={"pk": obj.pk, "fmt": "pdf"}) if obj.pdf else None
