"""Assessment API: definitions and schemes (dated versions), results with drill-down, scores, runs
with progress, the town's powers over stationed bodies, reports, compliance and dashboard data."""
from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from assess import compliance, dashboards, selectors, services
from assess.api import serializers as s
from assess.filtersets import ResultFilterSet, ScoreFilterSet
from assess.models import (
    AppointmentSuggestion,
    AssessReport,
    DualScore,
    IndicatorVersion,
    Result,
    Run,
    SchemeVersion,
    Score,
    StationedDispatch,
)
from assess.periods import period_of
from core.api.fields import body_object, parse_day
from core.api.views import PlatformAPIView, ScopedViewSetMixin
from core.errors import NotFound, PlatformError
from core.filters import division_param
from core.roles import Role
from core.scoping import scope_for
from divisions.models import Division

CONFIG = services.CONFIG_ROLES
TOWN_POWERS = (Role.TOWN_COMMAND, Role.LEADER)


class ReadCreateViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                        mixins.RetrieveModelMixin, GenericViewSet):
    """List, detail and create (through a service); no update or delete (rows are history)."""


def _division(value: Any, user: Any) -> Division:
    code = division_param(str(value or ""))
    if not scope_for(user).covers(code) and not Division.objects.visible_to(user).filter(code=code).exists():
        raise NotFound("区划不存在或不在您的管辖范围内")
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise NotFound("区划不存在")
    return division


def _date(value: Any, field: str) -> Any:
    day = parse_day(value, field)
    if day is None:
        raise PlatformError(f"{field} 须为日期（YYYY-MM-DD）", fields={field: ["日期格式错误"]})
    return day


class IndicatorVersionViewSet(ReadCreateViewSet):
    """Indicator definitions from a date; POST = a new version (county or city) — earlier results never change."""

    queryset = IndicatorVersion.objects.all()
    serializer_class = s.IndicatorVersionSerializer
    write_roles = CONFIG
    filterset_fields = ["code", "subject_type"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        d: Any = body_object(request)
        version = services.indicator_version_create(
            user=request.user, division=_division(d.get("division"), request.user), code=str(d.get("code") or ""),
            valid_from=_date(d.get("valid_from"), "valid_from"), numerator=d.get("numerator") or None,
            denominator=d.get("denominator") or None, direction=d.get("direction") or None,
            name=d.get("name") or None, note=str(d.get("note") or ""))
        return Response(s.IndicatorVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class SchemeVersionViewSet(ReadCreateViewSet):
    """Schemes (weights, grades, the town's share for stationed bodies) from a date."""

    queryset = SchemeVersion.objects.all()
    serializer_class = s.SchemeVersionSerializer
    write_roles = CONFIG
    filterset_fields = ["subject_type"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        d: Any = body_object(request)
        weights = d.get("weights")
        if not isinstance(weights, dict):
            raise PlatformError("weights 须为 {指标编码: 权重}", fields={"weights": ["格式错误"]})
        share = d.get("town_share")
        try:
            share_value = int(share) if share not in (None, "") else None
        except (TypeError, ValueError) as exc:
            raise PlatformError("town_share 须为整数百分比", fields={"town_share": ["格式错误"]}) from exc
        scheme = services.scheme_version_create(
            user=request.user, division=_division(d.get("division"), request.user),
            subject_type=str(d.get("subject_type") or ""), weights=weights,
            valid_from=_date(d.get("valid_from"), "valid_from"), name=str(d.get("name") or ""),
            grades=d.get("grades"), town_share=share_value)
        return Response(s.SchemeVersionSerializer(scheme).data, status=status.HTTP_201_CREATED)


class ResultViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Stored results (every revision; `?latest=1` only the latest); `drill/?part=` lists the rows."""

    queryset = Result.objects.select_related("indicator")
    serializer_class = s.ResultSerializer
    filterset_class = ResultFilterSet

    @action(detail=True, methods=["get"])
    def drill(self, request: Request, pk: str | None = None) -> Response:
        result = self.get_object()
        return Response(s.drill_payload(selectors.drill(result, request.query_params.get("part", "numerator"))))


class ScoreViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = Score.objects.select_related("scheme")
    serializer_class = s.ScoreSerializer
    filterset_class = ScoreFilterSet


class RunViewSet(ReadCreateViewSet):
    """POST {division, period_kind, day} starts a computation; GET shows its progress."""

    queryset = Run.objects.all()
    serializer_class = s.RunSerializer
    write_roles = (*CONFIG, Role.TOWN_COMMAND)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        d: Any = body_object(request)
        period = period_of(str(d.get("period_kind") or ""), _date(d.get("day") or d.get("period_start"), "day"))
        run = services.run_request(user=request.user, division=_division(d.get("division"), request.user),
                                   period=period)
        run.refresh_from_db()
        return Response(s.RunSerializer(run).data, status=status.HTTP_201_CREATED)


class StationedDispatchViewSet(ReadCreateViewSet):
    """调度权: the host town dispatches a stationed body to a task; `complete/` records the result."""

    queryset = StationedDispatch.objects.all()
    serializer_class = s.StationedDispatchSerializer
    write_roles = TOWN_POWERS

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.StationedDispatchSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        row = services.dispatch_record(user=request.user, unit=v["unit"], task=v["task"], due_at=v["due_at"],
                                       staff=v.get("staff", []))
        return Response(s.StationedDispatchSerializer(row).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        data = s.CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.dispatch_complete(user=request.user, dispatch=row, result=data.validated_data["result"])
        return Response(s.StationedDispatchSerializer(row).data)


class SuggestionViewSet(ReadCreateViewSet):
    """任免建议权: the town's suggestion to the home department; `answer/` by that department."""

    queryset = AppointmentSuggestion.objects.all()
    serializer_class = s.SuggestionSerializer
    write_roles = (*TOWN_POWERS, Role.DEPT_HANDLER)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.SuggestionSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        row = services.suggestion_create(user=request.user, unit=v["unit"], suggestion=v["suggestion"],
                                         head=v.get("head"))
        return Response(s.SuggestionSerializer(row).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        row = get_object_or_404(AppointmentSuggestion.objects.visible_to(request.user), pk=pk)
        data = s.AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.suggestion_answer(user=request.user, suggestion=row, answer=data.validated_data["answer"])
        return Response(s.SuggestionSerializer(row).data)


class DualScoreViewSet(ReadCreateViewSet):
    """双重管理评分: the host town's and the home department's annual scores of a stationed body."""

    queryset = DualScore.objects.all()
    serializer_class = s.DualScoreSerializer
    write_roles = (*TOWN_POWERS, Role.DEPT_HANDLER, Role.LEADER)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.DualScoreSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        row = services.dual_score_record(user=request.user, unit=v["unit"], year=v["year"], assessor=v["assessor"],
                                         score=v["score"], note=v.get("note", ""), staff=v.get("staff"))
        return Response(s.DualScoreSerializer(row).data, status=status.HTTP_201_CREATED)


class AssessReportViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = AssessReport.objects.all()
    serializer_class = s.AssessReportSerializer


class ComplianceView(PlatformAPIView):
    """`GET /api/assess/compliance/?division=<town>`: the town's reform checks with failing rows."""

    @extend_schema(parameters=[OpenApiParameter("division", str, description="a town's code or name (default: yours)")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        town = _division(request.query_params.get("division") or getattr(request.user, "division_id", None), request.user)
        if town.level != "town" or not scope_for(request.user).covers(town.code):
            raise NotFound("请指定您管辖范围内的乡镇（街道）")
        checks = compliance.town_checks(town)
        return Response({"town": town.code, "name": town.name, "checks": [
            {"code": c.code, "name": c.name, "ok": c.ok, "summary": c.summary,
             "failures": [{"label": f.label, "detail": f.detail, "url": str(f.url)} for f in c.failures]}
            for c in checks]})


class DashboardView(PlatformAPIView):
    """`GET /api/assess/dashboard/?division=&period_kind=&day=`: the leader dashboard's chart data."""

    @extend_schema(parameters=[OpenApiParameter("division", str, description="code or name (default: yours)"),
                               OpenApiParameter("period_kind", str, description="day, week, month, quarter, year"),
                               OpenApiParameter("day", str, description="a day of the period (YYYY-MM-DD); default: the "
                                                                         "latest period with stored scores, else the current one")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        q = request.query_params
        division = _division(q.get("division") or getattr(request.user, "division_id", None), request.user)
        if not scope_for(request.user).covers(division.code):
            raise NotFound("区划不存在或不在您的管辖范围内")
        kind = q.get("period_kind") or "month"
        day = parse_day(q.get("day"), "day")
        period = period_of(kind, day) if day else dashboards.default_period(request.user, division, kind)
        return Response(dashboards.data(request.user, division, period))

