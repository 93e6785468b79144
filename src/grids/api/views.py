"""Grids API: grids (list, GeoJSON, import/export, map layer, team gaps), locating, teams, patrols,
coverage and rhythm reports. Everything scoped: grids are OPERATIONAL data."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.fields import parse_day
from core.api.views import PlatformAPIView, ScopedModelViewSet, ScopedReadOnlyViewSet
from core.errors import PlatformError
from core.filters import division_param
from core.roles import Role
from core.scoping import code_prefix, scope_for
from grids import locator, selectors, services
from grids.api import serializers as s
from grids.filtersets import FindingFilterSet, GridFilterSet, MembershipFilterSet, PatrolFilterSet, WorkerFilterSet
from grids.forms import read_geojson
from grids.models import Finding, Grid, GridMembership, GridReport, GridVersion, GridWorker, Patrol

GRID_MANAGERS = (Role.TOWN_COMMAND, Role.COUNTY_COMMAND, Role.CITY_COMMAND)
SIMPLIFY = {4: 0.0006, 6: 0.00025, 9: 0.0, 12: 0.0}


def _division_param(request) -> str | None:  # noqa: ANN001
    value = request.query_params.get("division") or ""
    return division_param(value) if value else None


def _division_or_own(request) -> str:  # noqa: ANN001
    """`?division=`, else the user's own division; PlatformError (400) when neither is there."""
    value = _division_param(request) or getattr(request.user, "division_id", None)
    if not value:
        raise PlatformError("请提供 division（区划代码或名称）", fields={"division": ["必填"]})
    return value


def _date_param(request, name: str, default: dt.date) -> dt.date:  # noqa: ANN001
    return parse_day(request.query_params.get(name), name, default) or default


class GridViewSet(ScopedReadOnlyViewSet):
    """Grids: `?type=comprehensive|specialised&division=<code>`; each row has its representative point."""

    queryset = Grid.objects.select_related("village")
    serializer_class = s.GridSerializer
    filterset_class = GridFilterSet
    write_roles = GRID_MANAGERS

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def geojson(self, request, pk=None):  # noqa: ANN001, ANN201
        grid = self.get_object()
        return Response(services.grids_export(grids=Grid.objects.filter(pk=grid.pk))["features"][0])

    @extend_schema(responses=s.GridTeamSerializer)
    @action(detail=True, methods=["get"])
    def team(self, request, pk=None):  # noqa: ANN001, ANN201
        grid = self.get_object()
        rows = [{"id": m.id, "worker": m.worker_id, "name": m.worker.name, "phone": m.worker.phone,
                 "kind": m.worker.kind, "role": m.role, "role_label": m.get_role_display()}
                for m in selectors.team(grid)]
        return Response({"grid": grid.code, "head": next((r for r in rows if r["role"] == "head"), None),
                         "members": rows})

    @extend_schema(operation_id="grids_versions_of_grid", responses=s.GridVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):  # noqa: ANN001, ANN201
        grid = self.get_object()
        rows = GridVersion.objects.visible_to(request.user).filter(grid=grid)
        return Response(s.GridVersionSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(responses=dict, parameters=[OpenApiParameter("division", str)])
    @action(detail=False, methods=["get"])
    def export(self, request):  # noqa: ANN001, ANN201
        grids = self.filter_queryset(self.get_queryset())
        collection = services.grids_export(grids=grids)
        if request.query_params.get("download"):
            # A download is the GeoJSON file itself, whatever the browser asks for (an HTML Accept
            # header would otherwise get the browsable API's page saved as grids.geojson).
            response = HttpResponse(json.dumps(collection, ensure_ascii=False),
                                    content_type="application/geo+json; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="grids.geojson"'
            return response
        return Response(collection)

    @extend_schema(request=dict, responses=dict, parameters=[
        OpenApiParameter("dry_run", bool),
        OpenApiParameter("crs", str, enum=["wgs84", "gcj02"],
                         description="坐标系：缺省按文件的 crs（无则 WGS84/CGCS2000 经纬度）；gcj02 时转换为 WGS84")])
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_geojson(self, request):  # noqa: ANN001, ANN201
        """Import a GeoJSON FeatureCollection (body, or a `file` upload). Refused as a whole, with
        every problem listed, when anything is wrong."""
        data = request.data
        if "file" in request.FILES:
            data = read_geojson(request.FILES["file"])
        dry_run = request.query_params.get("dry_run") in ("1", "true")
        crs = request.query_params.get("crs") or None
        if crs not in (None, "wgs84", "gcj02"):
            raise PlatformError("crs 只支持 wgs84 或 gcj02（CGCS2000 经纬度按 wgs84 导入）", code="bad_crs",
                                fields={"crs": ["只支持 wgs84 或 gcj02"]})
        result = services.grids_import(collection=data, scope=scope_for(request.user), dry_run=dry_run, crs=crs)
        if result.problems:
            raise PlatformError(f"导入被拒绝：发现 {len(result.problems)} 个问题，未做任何修改", code="import_invalid",
                                fields={"problems": [p["text"] for p in result.problems]})
        return Response(result.as_dict(), status=status.HTTP_200_OK)

    @extend_schema(responses=dict, parameters=[OpenApiParameter("division", str), OpenApiParameter("date", str)])
    @action(detail=False, methods=["get"], url_path="map")
    def map_layer(self, request):  # noqa: ANN001, ANN201
        """Polygons of the division for the map, with today's coverage. Served from the in-process
        locate index (no geometry query, no parsing); simplified for county and city views."""
        division = _division_or_own(request)
        prefix = code_prefix(division)
        scope = scope_for(request.user)
        if not scope.covers(division) and scope.prefix and scope.prefix.startswith(prefix):
            prefix = scope.prefix  # a wider division than the user's: show the user's own part
        elif not scope.covers(division):
            return HttpResponse(json.dumps({"type": "FeatureCollection", "division": division, "simplified": False,
                                            "features": []}), content_type="application/json")
        covered = selectors.daily_coverage(request.user, division, _date_param(request, "date", timezone.localdate()))
        tolerance = SIMPLIFY.get(len(prefix), 0.0)
        index = locator.get_index()
        texts = index.geojson_texts(tolerance)
        mask = index.scope_mask(prefix)
        parts = []
        for i in np.flatnonzero(mask).tolist():
            code = index.codes[i]
            props = {"id": index.ids[i], "code": code, "name": index.names[i],
                     "type": "comprehensive" if index.comprehensive[i] else "specialised",
                     "village": index.division_names.get(index.villages[i] or "", ""),
                     "patrolled": code in covered, "by": covered.get(code, [])}
            parts.append(f'{{"type":"Feature","geometry":{texts[i]},"properties":'
                         f'{json.dumps(props, ensure_ascii=False, separators=(",", ":"))}}}')
        body = (f'{{"type":"FeatureCollection","division":"{division}","simplified":{"true" if tolerance else "false"},'
                f'"features":[{",".join(parts)}]}}')
        return HttpResponse(body, content_type="application/json")

    @extend_schema(responses={(200, "application/geo+json"): dict}, parameters=[OpenApiParameter("division", str)])
    @action(detail=False, methods=["get"], url_path="boundaries")
    def boundaries(self, request):  # noqa: ANN001, ANN201
        """Division boundaries for the map's layers: the division (default: your own) and every
        county, town and village below it that you may read, as a GeoJSON FeatureCollection with
        properties {code, name, level, synthetic}; simplified for city and county views."""
        return HttpResponse(selectors.boundaries_geojson(request.user, _division_or_own(request)),
                            content_type="application/geo+json")

    @extend_schema(responses=dict, parameters=[OpenApiParameter("division", str)])
    @action(detail=False, methods=["get"])
    def gaps(self, request):  # noqa: ANN001, ANN201
        """Grids without a head, and grids without workers (一格一长多员 to-do list for the town)."""
        gaps = selectors.team_gaps(request.user, _division_param(request))
        row = lambda g: {"id": g.id, "code": g.code, "name": g.name, "type": g.type}  # noqa: E731
        return Response({"no_head": [row(g) for g in gaps["no_head"]],
                         "no_workers": [row(g) for g in gaps["no_workers"]]})


class LocateView(PlatformAPIView):
    """Which grids contain a point, and its village, town and county.

    Outside every grid the user may see the answer is `inside: false` with no divisions: a user
    never learns which of another area's grids (or divisions) a point falls in."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("lat", float), OpenApiParameter("lng", float),
                               OpenApiParameter("crs", str, enum=["wgs84", "gcj02"])], responses=dict)
    def get(self, request):  # noqa: ANN001, ANN201
        errors = {}
        values = {}
        for name, low, high in (("lat", -90, 90), ("lng", -180, 180)):
            raw = request.query_params.get(name, "")
            try:
                values[name] = float(raw)
                if not (low <= values[name] <= high) or values[name] != values[name]:
                    errors[name] = [f"须在 {low} 到 {high} 之间"]
            except ValueError:
                errors[name] = ["必填，须为数字"]
        crs = request.query_params.get("crs", "wgs84").lower()
        if crs not in ("wgs84", "gcj02"):
            errors["crs"] = ["只支持 wgs84 或 gcj02"]
        if errors:
            raise PlatformError("坐标参数有误", code="bad_coordinates", fields=errors)
        answer = locator.locate(values["lat"], values["lng"], crs=crs, scope=scope_for(request.user))
        return Response(answer)


class WorkerViewSet(ScopedModelViewSet):
    """Grid workers (full-time, part-time, embedded cadres); each row lists the grids served that
    the user may see (a worker may serve on a grid of another town of the county: that grid is not
    listed to users outside that town)."""

    queryset = GridWorker.objects.all()

    def get_queryset(self):  # noqa: ANN201
        visible = GridMembership.objects.visible_to(self.request.user).select_related("grid")
        return super().get_queryset().prefetch_related(Prefetch("memberships", queryset=visible))
    serializer_class = s.GridWorkerSerializer
    filterset_class = WorkerFilterSet
    write_roles = GRID_MANAGERS


class MembershipViewSet(ScopedModelViewSet):
    queryset = GridMembership.objects.select_related("grid", "worker")
    serializer_class = s.GridMembershipSerializer
    filterset_class = MembershipFilterSet
    write_roles = GRID_MANAGERS


class PatrolViewSet(ScopedReadOnlyViewSet):
    """Patrols. POST starts one (idempotent on the client-generated `uuid`: a retry answers 200 with
    the first row); then `{id}/points/` (idempotent on each point's `seq`), `{id}/findings/`
    (idempotent on the finding's `uuid`) and `{id}/end/`. The rules (own worker only, visible
    grids only) are the services'; the views only parse."""

    queryset = Patrol.objects.select_related("worker", "grid").prefetch_related("findings__grid", "points")
    serializer_class = s.PatrolSerializer
    filterset_class = PatrolFilterSet
    write_roles = (Role.GRID_WORKER, *GRID_MANAGERS)
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _pk(self) -> int:
        pk = str(self.kwargs["pk"])
        if not pk.isdigit():
            raise Http404
        return int(pk)

    def _out(self, patrol: Patrol) -> dict:
        fresh = Patrol.objects.visible_to(self.request.user).filter(pk=patrol.pk).first() or patrol
        return s.PatrolSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=s.PatrolStartSerializer, responses=s.PatrolSerializer)
    def create(self, request):  # noqa: ANN001, ANN201
        body = s.PatrolStartSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        point = {"lat": data["lat"], "lng": data["lng"], "crs": data["crs"]} if "lat" in data and "lng" in data else None
        patrol, created = services.patrol_start(user=request.user, uuid=data["uuid"], started_at=data.get("started_at"),
                                                point=point, grid=data.get("grid"))
        return Response(self._out(patrol), status=201 if created else 200)

    @extend_schema(request=s.PointsSerializer, responses=s.PointsResultSerializer)
    @action(detail=True, methods=["post"])
    def points(self, request, pk=None):  # noqa: ANN001, ANN201
        body = s.PointsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.patrol_add_points(user=request.user, patrol=self._pk(), points=body.validated_data["points"])
        return Response(s.PointsResultSerializer(result).data)

    @extend_schema(request=s.FindingCreateSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"])
    def findings(self, request, pk=None):  # noqa: ANN001, ANN201
        body = s.FindingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        finding, created = services.finding_add(user=request.user, patrol=self._pk(), uuid=d["uuid"],
                                                category=d["category"], description=d["description"],
                                                point={"lat": d["lat"], "lng": d["lng"], "crs": d["crs"]},
                                                photo=d.get("photo"), found_at=d.get("found_at"))
        data = s.FindingSerializer(finding, context=self.get_serializer_context()).data
        return Response(data, status=201 if created else 200)

    @extend_schema(request=None, responses=s.PatrolSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):  # noqa: ANN001, ANN201
        patrol = services.patrol_end(user=request.user, patrol=self._pk())
        return Response(self._out(patrol))


class FindingViewSet(ScopedReadOnlyViewSet):
    queryset = Finding.objects.select_related("grid")
    serializer_class = s.FindingSerializer
    filterset_class = FindingFilterSet


class VersionViewSet(ScopedReadOnlyViewSet):
    queryset = GridVersion.objects.all()
    serializer_class = s.GridVersionSerializer


class ReportViewSet(ScopedReadOnlyViewSet):
    queryset = GridReport.objects.select_related("division")
    serializer_class = s.GridReportSerializer
    filterset_fields = ["kind", "division"]


class CoverageView(PlatformAPIView):
    """Daily patrol coverage per grid: patrolled that day, and by whom."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("division", str), OpenApiParameter("date", str)], responses=dict)
    def get(self, request):  # noqa: ANN001, ANN201
        division = _division_or_own(request)
        day = _date_param(request, "date", timezone.localdate())
        rows = selectors.coverage_rows(request.user, division, day)
        data = [{"code": r["code"], "name": r["name"], "patrolled": r["patrolled"], "by": r["by"]} for r in rows]
        return Response({"division": division, "date": day.isoformat(), "count": len(data),
                         "patrolled": sum(r["patrolled"] for r in data), "results": data})


class AnalysisView(PlatformAPIView):
    """Weekly / monthly figures for a division (patrols, findings by category, hot spots, not patrolled)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("division", str), OpenApiParameter("start", str),
                               OpenApiParameter("end", str)], responses=dict)
    def get(self, request):  # noqa: ANN001, ANN201
        division = _division_or_own(request)
        end = _date_param(request, "end", timezone.localdate())
        start = _date_param(request, "start", end - dt.timedelta(days=6))
        if start > end:
            raise PlatformError("起始日期不能晚于截止日期", fields={"start": ["不能晚于截止日期"]})
        data = selectors.period_analysis(request.user, division, start, end)
        return Response({"division": division, "start": start.isoformat(), "end": end.isoformat(), **data})
