from __future__ import annotations

import json

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import ScopedModelSerializer
from core.downloads import file_url
from core.scoping import Scope, scope_for
from grids import services
from grids.models import Finding, Grid, GridMembership, GridReport, GridVersion, GridWorker, Patrol


@extend_schema_field({"type": "object", "nullable": True, "required": ["code", "name"],
                      "properties": {"code": {"type": "string"}, "name": {"type": "string"}}})
class DivisionRefField(serializers.Field):
    """A division as `{"code", "name"}`, or null."""

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


class TeamMemberSerializer(serializers.Serializer):
    """One member of a grid's team as `GET /api/grids/{id}/team/` lists them (phone masked)."""

    id = serializers.IntegerField()
    worker = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    kind = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()


class GridTeamSerializer(serializers.Serializer):
    """A grid's team: its code, its head (null when it has none) and every member, head included."""

    grid = serializers.CharField()
    head = TeamMemberSerializer(allow_null=True)
    members = TeamMemberSerializer(many=True)


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
        validated_data.pop("replace_head", None)
        return services.membership_update(membership=instance, **validated_data)


def _scope(serializer: serializers.Serializer) -> Scope:
    request = serializer.context.get("request")
    return scope_for(getattr(request, "user", None)) if request is not None else Scope(None, everything=True)


class FindingSerializer(ScopedModelSerializer):
    """A finding; its grid (id and code) only when the reader may see that grid."""

    grid = serializers.SerializerMethodField()
    grid_code = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "uuid", "patrol", "grid", "grid_code", "category", "description", "lng", "lat",
                  "photo_url", "status", "found_at"]
        read_only_fields = fields

    def _grid(self, obj: Finding) -> Grid | None:
        grid = obj.grid
        return grid if grid is not None and _scope(self).covers(grid.division_id) else None

    def get_grid(self, obj: Finding) -> int | None:
        grid = self._grid(obj)
        return grid.pk if grid else None

    def get_grid_code(self, obj: Finding) -> str | None:
        grid = self._grid(obj)
        return grid.code if grid else None

    def get_photo_url(self, obj: Finding) -> str | None:
        """The scoped photo address (`grids:finding-photo`), never a public media URL."""
        if not obj.photo:
            return None

        return file_url("finding-photo", obj.pk)


class PatrolSerializer(ScopedModelSerializer):
    """A patrol with its track (a GeoJSON LineString, or a Point for one point, from its points in
    `seq` order), the points' times, and only the grids the reader may see."""

    worker_name = serializers.CharField(source="worker.name", read_only=True)
    grid = serializers.SerializerMethodField()
    track = serializers.SerializerMethodField()
    timestamps = serializers.SerializerMethodField()
    points = serializers.SerializerMethodField()
    grids_covered = serializers.SerializerMethodField()
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = ["id", "uuid", "worker", "worker_name", "division", "grid", "status", "started_at", "ended_at",
                  "track", "timestamps", "points", "duration_s", "distance_m", "grids_covered", "findings"]
        read_only_fields = fields

    def _points(self, obj: Patrol) -> list:
        cached = getattr(obj, "_track_cache", None)
        if cached is None:
            cached = services.track(obj)
            obj._track_cache = cached  # type: ignore[attr-defined]
        return cached

    def get_grid(self, obj: Patrol) -> int | None:
        grid_division = obj.grid.division_id if obj.grid_id and obj.grid else None
        return obj.grid_id if grid_division and _scope(self).covers(grid_division) else None

    def get_track(self, obj: Patrol) -> dict | None:
        coords = [[p.lng, p.lat] for p in self._points(obj)]
        if not coords:
            return None
        if len(coords) == 1:
            return {"type": "Point", "coordinates": coords[0]}
        return {"type": "LineString", "coordinates": coords}

    def get_timestamps(self, obj: Patrol) -> list[str]:
        return [timezone.localtime(p.t).isoformat() for p in self._points(obj)]

    def get_points(self, obj: Patrol) -> int:
        return len(self._points(obj))

    def get_grids_covered(self, obj: Patrol) -> list[str]:
        scope = _scope(self)
        return [c for c in obj.grids_covered or [] if scope.covers(c[:12])]


class PatrolStartSerializer(serializers.Serializer):
    """Starting a patrol; `grid` accepts only grids the user may see (another area's grid answers
    as one that does not exist)."""

    uuid = serializers.UUIDField()
    started_at = serializers.DateTimeField(required=False)
    lat = serializers.FloatField(required=False)
    lng = serializers.FloatField(required=False)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02"], default="wgs84")
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.none(), required=False)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        request = self.context.get("request")
        fields["grid"].queryset = Grid.objects.visible_to(getattr(request, "user", None))  # type: ignore[attr-defined]
        return fields


class PointsSerializer(serializers.Serializer):
    points = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class PointsResultSerializer(serializers.Serializer):
    """What a points call stored: `received` in the call, `added` new (the rest were retries),
    `points` of the patrol now."""

    patrol = serializers.IntegerField(source="patrol.pk")
    status = serializers.CharField(source="patrol.status")
    received = serializers.IntegerField()
    added = serializers.IntegerField()
    points = serializers.IntegerField(source="total")


class FindingCreateSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    category = serializers.CharField()
    description = serializers.CharField(max_length=2000, error_messages={
        "blank": "请填写描述：发现了什么问题（如：井盖缺失、占道经营）",
        "required": "请填写描述：发现了什么问题（如：井盖缺失、占道经营）"})
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

        return file_url("grid-report", obj.pk, "xlsx") if obj.xlsx else None

    def get_pdf_url(self, obj: GridReport) -> str | None:

        return file_url("grid-report", obj.pk, "pdf") if obj.pdf else None
