"""Catalog API. Reads are scoped by the base viewsets; writes call catalog.services."""
from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from catalog import excel, selectors, services
from catalog.api import serializers as s
from catalog.filtersets import (
    AdmissionFilterSet,
    AssignmentFilterSet,
    ItemFilterSet,
    ItemListFilterSet,
    ListVersionFilterSet,
    MatterFilterSet,
    PowerChangeFilterSet,
    ResponsibilityFilterSet,
)
from catalog.models import Admission, Assignment, Item, ItemList, ListVersion, Matter, PowerChange, Responsibility
from core.api.fields import validated_query
from core.api.schema import page_of
from core.api.views import PlatformAPIView, ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from core.errors import NotFound, PlatformError
from core.roles import Role
from divisions.models import Division

LIST_WRITERS = services.REFORM
CHANGE_WRITERS = tuple(sorted(set(services.TOWN_FILERS + services.COUNTY_FILERS)))


class ItemViewSet(ScopedModelViewSet):
    """Items (权力事项) of the province guidance catalog: read by all; written by administrators."""

    queryset = Item.objects.all()
    serializer_class = s.ItemSerializer
    filterset_class = ItemFilterSet


class MatterViewSet(ScopedModelViewSet):
    """Matters (职责事项): read by all; written by administrators."""

    queryset = Matter.objects.select_related("item")
    serializer_class = s.MatterSerializer
    filterset_class = MatterFilterSet


def _visible_division(request: Any, code: str) -> Division:
    found = Division.objects.visible_to(request.user).filter(code=code).first()
    if found is None:
        raise NotFound("区划不存在或不在您的管辖范围内", fields={"division": ["不存在或不可见"]})
    return found


def _entries(data: list[dict]) -> list[tuple[Item, str]]:
    items = {i.code: i for i in Item.objects.filter(code__in=[e["item"] for e in data])}
    missing = [e["item"] for e in data if e["item"] not in items]
    if missing:
        raise PlatformError(f"事项编码不存在：{'、'.join(missing)}", fields={"items": missing})
    return [(items[e["item"]], e.get("reason", "")) for e in data]


@extend_schema(parameters=[
    OpenApiParameter("as_of", str, description="YYYY-MM-DD: the list exactly as in force on that date (default today)"),
    OpenApiParameter("division", str, description="12-digit code: that division's own lists"),
])
class ItemListViewSet(ScopedModelViewSet):
    """Lists (清单): `?division=<code>&as_of=YYYY-MM-DD` answers the lists in force on that date.

    POST issues a county list (`items`) or adopts the county list for a town (`added`/`withheld`
    with reasons). Versions, Excel export and import are actions on one list.
    """

    queryset = ItemList.objects.select_related("division", "base").prefetch_related("versions", "base__versions")
    serializer_class = s.ItemListSerializer
    filterset_class = ItemListFilterSet
    write_roles = LIST_WRITERS
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=s.ItemListCreateSerializer, responses=s.ItemListSerializer)
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        data = s.ItemListCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        division = _visible_division(request, v["division"])
        with transaction.atomic():
            if division.level == "county":
                items = [i for i, _ in _entries([{"item": c} for c in v["items"]])]
                item_list = services.item_list_issue(county=division, kind=v["kind"], items=items,
                                                     effective_date=v["effective_date"], reason=v["reason"],
                                                     user=request.user)
            else:
                item_list = services.item_list_adopt(town=division, kind=v["kind"], effective_date=v["effective_date"],
                                                     reason=v["reason"], added=_entries(v["added"]),
                                                     withheld=_entries(v["withheld"]), user=request.user)
        item_list = self.queryset.get(pk=item_list.pk)
        return Response(self.get_serializer(item_list).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.ListVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request: Any, pk: str | None = None) -> Response:
        """The list's history, newest first, with why each change happened."""
        item_list = self.get_object()
        data = s.ListVersionSerializer(selectors.version_history(item_list), many=True).data
        return Response({"count": len(data), "results": data})

    @extend_schema(request=s.VersionCreateSerializer, responses=s.ListVersionSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Any, pk: str | None = None) -> Response:
        """Record a new version (items listed or removed, effective on a date, with the reason)."""
        item_list = self.get_object()
        data = s.VersionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.list_version_record(item_list=item_list, user=request.user, **data.validated_data)
        return Response(s.ListVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes})
    @action(detail=True, methods=["get"])
    def export(self, request: Any, pk: str | None = None) -> HttpResponse:
        """The list in force on `as_of` as an Excel file (the import layout)."""
        item_list = self.get_object()
        state = selectors.list_state(item_list, s.as_of_param(request))
        return excel.export_response(state)

    @extend_schema(request={"multipart/form-data": s.ImportSerializer}, responses=s.ListVersionSerializer)
    @action(detail=True, methods=["post"], url_path="import", url_name="import")
    def import_file(self, request: Any, pk: str | None = None) -> Response:
        """Import an Excel file in the export layout: validated row by row, all or nothing."""
        item_list = self.get_object()
        data = s.ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        rows, skipped = excel.read_list_report(item_list, v["file"].read())
        version = services.list_import(item_list=item_list, rows=rows, effective_date=v["effective_date"],
                                       reason=v["reason"], user=request.user)
        if version is None:
            return Response({"changed": False, "rows": len(rows), "skipped": skipped,
                             "message": "导入内容与现行清单一致，未产生新版本"})
        return Response({"changed": True, "rows": len(rows), "skipped": skipped,
                         "version": s.ListVersionSerializer(version).data}, status=status.HTTP_201_CREATED)


class ListVersionViewSet(ScopedReadOnlyViewSet):
    """List versions (append-only): effective date, recording time, reason, the procedure behind it."""

    queryset = ListVersion.objects.select_related("item_list")
    serializer_class = s.ListVersionSerializer
    filterset_class = ListVersionFilterSet


class ResponsibilityViewSet(mixins.CreateModelMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Responsibility rows (dated). POST sets a new division of labour from `valid_from` on."""

    queryset = Responsibility.objects.select_related("matter", "main_unit").prefetch_related("cooperating_units")
    serializer_class = s.ResponsibilitySerializer
    filterset_class = ResponsibilityFilterSet
    write_roles = LIST_WRITERS


class ResponsibilityAnswerView(PlatformAPIView):
    """Who is responsible for a matter in a town (or anything inside it), and who cooperates."""

    @extend_schema(parameters=[s.AnswerQuerySerializer], responses=s.AnswerSerializer)
    def get(self, request: Any) -> Response:
        q = validated_query(s.AnswerQuerySerializer, request)
        code, matter = q["division"], q["matter"]
        on = q.get("as_of") or timezone.localdate()
        town = selectors.town_code_for(code)
        _visible_division(request, code)
        answer = selectors.responsibility_for(town, matter, on).seen_by(request.user).as_dict(division=code, as_of=on)
        return Response(s.AnswerSerializer(answer).data)


class GapsView(PlatformAPIView):
    """Matters without a main responsible unit in some town of your scope."""

    @extend_schema(parameters=[s.GapsQuerySerializer], responses=page_of("GapPage", s.GapSerializer, numbered=True))
    def get(self, request: Any) -> Response:
        q = validated_query(s.GapsQuerySerializer, request)
        towns = Division.objects.visible_to(request.user).filter(level="town")
        if q.get("town"):
            towns = towns.filter(code=q["town"])
        found = selectors.gaps(towns, q.get("matter") or None, q.get("as_of") or timezone.localdate())
        page = Paginator(found, q["page_size"]).get_page(q["page"])
        return Response({"count": len(found), "page": page.number, "page_size": q["page_size"],
                         "results": s.GapSerializer(page.object_list, many=True).data})


class AdmissionViewSet(mixins.CreateModelMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Admission requests (交办事项准入): filed by county departments, reviewed by the reform office."""

    # GROUP BY (the count) drops Meta.ordering, so the order is given again
    queryset = Admission.objects.select_related("department").prefetch_related("towns") \
        .annotate(listed_towns=Count("towns", distinct=True)).order_by("-created_at", "-id")
    serializer_class = s.AdmissionSerializer
    filterset_class = AdmissionFilterSet
    write_roles = services.DEPT + services.REFORM

    @extend_schema(request=s.ReviewSerializer, responses=s.AdmissionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Any, pk: str | None = None) -> Response:
        """Approve, reject or return for changes, with reasons (reform office)."""
        data = s.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        admission = services.admission_review(admission=self.get_object(), user=request.user, **data.validated_data)
        return Response(self.get_serializer(admission).data)

    @extend_schema(request=s.AdmissionResubmitSerializer, responses=s.AdmissionSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Any, pk: str | None = None) -> Response:
        data = s.AdmissionResubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        admission = services.admission_resubmit(admission=self.get_object(), user=request.user, **data.validated_data)
        return Response(self.get_serializer(admission).data)

    @extend_schema(request=s.ReasonSerializer, responses=s.AdmissionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Any, pk: str | None = None) -> Response:
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        admission = services.admission_withdraw(admission=self.get_object(), user=request.user, **data.validated_data)
        return Response(self.get_serializer(admission).data)


class HandoverCheckView(PlatformAPIView):
    """May this task be handed to this town? `?town=<code>&admission=<准入编号>&task=<名称>`."""

    @extend_schema(parameters=[s.HandoverQuerySerializer], responses=s.HandoverCheckSerializer)
    def get(self, request: Any) -> Response:
        q = validated_query(s.HandoverQuerySerializer, request)
        town = _visible_division(request, q["town"])
        admission = services.admission_require(town=town, admission=q.get("admission") or None, task=q.get("task", ""),
                                               user=request.user)
        return Response(s.HandoverCheckSerializer(
            {"allowed": True, "admission": admission.code, "title": admission.title, "town": town.code}).data)


class AssignmentViewSet(mixins.CreateModelMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Tasks handed to towns (交办); each must name an approved admission."""

    queryset = Assignment.objects.select_related("admission", "department")
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilterSet
    write_roles = services.DEPT + services.REFORM + (Role.COUNTY_COMMAND,)


class PowerChangeViewSet(mixins.CreateModelMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Delegation (赋权), adjustment (调整) and return (退还), as reviewed procedures.

    States: submitted (待部门意见) → dept_reviewed (待编办审核) → approved (已批准，待生效) →
    in_force (已生效); or returned (退回修改; the filer resubmits), rejected, withdrawn.
    """

    queryset = PowerChange.objects.select_related("item", "department", "division").prefetch_related("list_versions", "evidence_files")
    serializer_class = s.PowerChangeSerializer
    filterset_class = PowerChangeFilterSet
    write_roles = CHANGE_WRITERS

    @extend_schema(request=s.OpinionSerializer, responses=s.PowerChangeSerializer)
    @action(detail=True, methods=["post"], url_path="department-opinion", url_name="department-opinion")
    def department_opinion(self, request: Any, pk: str | None = None) -> Response:
        data = s.OpinionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_department_opinion(change=self.get_object(), user=request.user,
                                                    **data.validated_data)
        return Response(self.get_serializer(change).data)

    @extend_schema(request=s.ReviewSerializer, responses=s.PowerChangeSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Any, pk: str | None = None) -> Response:
        data = s.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_decide(change=self.get_object(), user=request.user, **data.validated_data)
        return Response(self.get_serializer(change).data)

    @extend_schema(request=s.ChangeResubmitSerializer, responses=s.PowerChangeSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Any, pk: str | None = None) -> Response:
        data = s.ChangeResubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_resubmit(change=self.get_object(), user=request.user, **data.validated_data)
        return Response(self.get_serializer(change).data)

    @extend_schema(request=s.ReasonSerializer, responses=s.PowerChangeSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Any, pk: str | None = None) -> Response:
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_withdraw(change=self.get_object(), user=request.user, **data.validated_data)
        return Response(self.get_serializer(change).data)

    @action(detail=True, methods=["get"], url_path="open-work", url_name="open-work")
    def open_work(self, request: Any, pk: str | None = None) -> Response:
        """The open work (e.g. cases) on the item in the town right now."""
        change = self.get_object()
        rows = services.open_work_for(change)
        return Response({"count": len(rows), "results": rows})
