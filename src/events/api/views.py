"""Events API: intake, list and detail with the timeline, one endpoint per lifecycle action, classes.

Everything is scoped (events are OPERATIONAL data; classes REFERENCE). Views only translate
HTTP to the services (`events.services.event_report`, `event_act`) and back.
"""
from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.personal import RevealPersonalMixin
from core.api.views import ScopedReadOnlyViewSet
from core.errors import PlatformError
from core.filters import division_param
from core.roles import Role
from events import classes, lifecycle, selectors, services
from events.api import serializers as s
from events.filtersets import EventClassFilterSet, EventFilterSet
from events.models import Event, EventClass
from org.models import Unit

REPORTERS = (Role.GRID_WORKER, Role.TOWN_COMMAND, Role.COUNTY_COMMAND, Role.CITY_COMMAND, Role.DEPT_HANDLER,
             Role.LEADER)
CLASS_EDITORS = (Role.CITY_COMMAND, Role.REFORM_OFFICE)
VERBS = "|".join(lifecycle.ACTIONS)


def _needs_description() -> str:
    """What each action requires, from the table (`lifecycle.NEEDS`), for the OpenAPI document."""
    lines = {f"- `{row.action}`{f' ({row.outcome})' if row.outcome else ''}: "
             + "、".join(lifecycle.NEEDS[n].field for n in row.needs): None for row in lifecycle.TABLE if row.needs}
    return ("按流转表执行一个操作；缺少必填项时返回 400，fields 指出缺少的字段（extend 的 until 也可用 amount 代替）。"
            "各操作的必填项：\n" + "\n".join(lines))


class EventViewSet(RevealPersonalMixin, ScopedReadOnlyViewSet):
    """Events: `GET` list (filters in `EventFilterSet`) and detail with the full timeline; `POST` reports
    one (201; 200 with the first event for a repeated `channel` + `client_id`); `POST {id}/{action}/`
    takes a lifecycle action (409 with `fields.allowed` when the action is not possible now);
    `POST {id}/reveal/ {"field": "reporter_phone"}` answers the unmasked number to a command centre,
    audited (the list and detail show it masked, 138****1234)."""

    # the related divisions and grid carry GeoJSON boundaries: never read them for an event
    queryset = Event.objects.select_related("event_class", "grid", "village", "town", "county", "division", "matter",
                                            "unit", "proposed_unit").defer(
        "grid__geometry", "village__boundary", "town__boundary", "county__boundary", "division__boundary")
    serializer_class = s.EventSerializer
    filterset_class = EventFilterSet
    write_roles = REPORTERS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self) -> Any:
        return s.EventDetailSerializer if self.action == "retrieve" else s.EventSerializer

    def get_queryset(self) -> Any:
        return self.queryset.visible_to(self.request.user)

    @extend_schema(request=s.EventReportSerializer, responses={201: s.EventDetailSerializer,
                                                               200: s.EventDetailSerializer})
    def create(self, request: Request) -> Response:
        body = s.EventReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        files = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        data.pop("photos", None)
        result = services.event_report(
            user=request.user, channel=data["channel"], description=data["description"],
            category=data.get("category") or None, category_text=data.get("category_text", ""),
            lat=data.get("lat"), lng=data.get("lng"), crs=data.get("crs", "wgs84"), address=data.get("address", ""),
            photo_files=files, client_id=data.get("client_id", ""), reporter_name=data.get("reporter_name", ""),
            reporter_phone=data.get("reporter_phone", ""), severity=data.get("severity") or None,
            source_ref=data.get("source_ref", ""))
        context: dict[str, Any] = {"request": request, "duplicate_of": result.duplicate_of}
        if result.created:
            context.update(steps=result.steps, photos=result.photos)
        # a new event already holds what the answer shows (services.intake._hold_related); a
        # repeated client_id answers the stored first event
        event = result.event if result.created else self.queryset.get(pk=result.event.pk)
        out = s.EventDetailSerializer(event, context=context)
        return Response(out.data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(operation_id="events_act", description=_needs_description(), request=s.EventActSerializer,
                   responses={200: s.EventDetailSerializer,
                                                            409: OpenApiResponse(description="不能执行：fields.allowed 列出现在可执行的操作")},
                   parameters=[OpenApiParameter("verb", str, OpenApiParameter.PATH, enum=list(lifecycle.ACTIONS))])
    @action(detail=True, methods=["post"], url_path=rf"(?P<verb>{VERBS})", url_name="act")
    def act(self, request: Request, pk: str, verb: str) -> Response:
        event = self.get_object()
        body = s.EventActSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        unit = None
        if d.get("unit"):
            unit = Unit.objects.visible_to(request.user).filter(pk=d["unit"]).first()
            if unit is None:
                raise PlatformError("承办单位不存在或不在您的管辖范围内", fields={"unit": ["不存在"]})
        into = None
        if d.get("into"):
            into = Event.objects.visible_to(request.user).filter(pk=d["into"]).first()
            if into is None:
                raise PlatformError("要合并到的事件不存在或不在您的管辖范围内", fields={"into": ["不存在"]})
        units = []
        for unit_id in d.get("units") or []:
            found = Unit.objects.visible_to(request.user).filter(pk=unit_id).first()
            if found is None:
                raise PlatformError("被呼叫的部门不存在或不在您的管辖范围内", fields={"units": ["不存在"]})
            units.append(found)
        params = services.Params(
            note=d.get("note", ""), reason=d.get("reason", ""), passed=d.get("passed"), approve=d.get("approve"),
            amount=d.get("amount"), unit_of_amount=d.get("unit_of_amount", "hours"), unit=unit,
            level=d.get("level") or None, category=d.get("category") or None, admission=d.get("admission") or None,
            rating=d.get("rating"), into=into, units=units, photo_files=request.FILES.getlist("photos"),
            until=d.get("until"))
        updated = services.event_act(event=event, action=verb, user=request.user, params=params)
        fresh = self.queryset.get(pk=updated.pk)
        return Response(s.EventDetailSerializer(fresh, context={"request": request}).data)

    @extend_schema(responses=dict, parameters=[OpenApiParameter("division", str)])
    @action(detail=False, methods=["get"], url_path="counts")
    def counts(self, request: Request) -> Response:
        """Counts by state kind (open / closed / void) under the same filters as the list."""
        qs = self.filter_queryset(self.get_queryset())
        return Response(selectors.counts_by_kind(qs))


class EventClassViewSet(ScopedReadOnlyViewSet):
    """Event classes (`?code=06010`, `?code=06` for a major class, `?kind=`), each with its `matter` code.
    `export/` downloads the whole table as .xlsx; `import/` (city) uploads one (multipart `file`);
    `gaps/` lists routing gaps (a class whose matter has no main responsibility in a town)."""

    queryset = EventClass.objects.select_related("matter")
    serializer_class = s.EventClassSerializer
    filterset_class = EventClassFilterSet
    write_roles = CLASS_EDITORS
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request: Request) -> HttpResponse:
        data = classes.classes_export(self.get_queryset())
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="event-classes.xlsx"'
        return response

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses=dict)
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_table(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise PlatformError("请上传 Excel 文件（file）", fields={"file": ["必填"]})
        division = getattr(request.user, "division_id", None) or classes.city_code()
        result = classes.classes_import(data=upload.read(), division_code=division, user=request.user)
        return Response({"created": result.created, "updated": result.updated, "unchanged": len(result.unchanged),
                         "mapped": result.mapped})

    @extend_schema(responses=s.RoutingGapSerializer(many=True), parameters=[OpenApiParameter("division", str)])
    @action(detail=False, methods=["get"], url_path="gaps", pagination_class=None)
    def gaps(self, request: Request) -> Response:
        value = request.query_params.get("division")
        division = division_param(value) if value else None
        rows = selectors.routing_gaps(request.user, division)
        return Response(s.RoutingGapSerializer(rows, many=True).data)
