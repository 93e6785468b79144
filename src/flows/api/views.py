"""API: /api/process-maps/ (import, validate, publish, export, retire), /api/cases/ (start, ready,
complete, history) and /api/my-tasks/. Every query is scoped; business rules live in services."""
from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from catalog.models import Item
from core.api.fields import body_object
from core.api.pagination import PlatformPagination
from core.api.views import PlatformAPIView, ScopedModelViewSet, ScopedReadOnlyViewSet
from core.errors import Conflict, NotFound, PlatformError
from core.roles import Role
from flows import engine, selectors, services
from flows import inputs as flow_inputs
from flows.api import serializers as s
from flows.choices import MapStatus
from flows.filtersets import CaseFilterSet, ProcessMapFilterSet
from flows.models import Case, ProcessMap


def _item(value: str) -> Item:
    qs = Item.objects.all()  # items are GLOBAL reference data
    found = qs.filter(code=value).first() or (qs.filter(pk=value).first() if str(value).isdigit() else None)
    if found is None:
        raise PlatformError(f"事项“{value}”不存在", code="bad_item", fields={"item": ["事项不存在"]})
    return found


def _invalid(serializer) -> PlatformError:  # noqa: ANN001
    return PlatformError("请求参数不正确", code="invalid", fields=serializer.errors)


class ProcessMapViewSet(ScopedModelViewSet):
    """Process maps (流程图): REFERENCE data — a town reads its county's maps, writes its own."""

    queryset = ProcessMap.objects.select_related("item", "document")
    serializer_class = s.ProcessMapSerializer
    filterset_class = ProcessMapFilterSet
    write_roles = services.MAP_WRITERS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _xml_from(self, data) -> tuple[bytes, str]:  # noqa: ANN001
        upload = data.get("file")
        if upload:
            return upload.read(), upload.name
        xml = data.get("xml") or ""
        return xml.encode("utf-8"), ""

    @extend_schema(request=s.MapImportSerializer, responses=s.ProcessMapSerializer)
    def create(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        """Import a .bpmn file (multipart `file`) or raw XML (`xml`) as a new draft version."""
        ser = s.MapImportSerializer(data=request.data)
        if not ser.is_valid():
            raise _invalid(ser)
        xml, source = self._xml_from(ser.validated_data)
        pm = services.processmap_import(user=request.user, item=_item(ser.validated_data["item"]),
                                        division_code=ser.validated_data["division"], xml=xml, source_name=source,
                                        name=ser.validated_data.get("name", ""))
        return Response(s.ProcessMapSerializer(pm, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MapImportSerializer, responses=s.ProcessMapSerializer)
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_map(self, request):  # noqa: ANN001, ANN201
        return self.create(request)

    def update(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        """Save XML from the modeler (`xml`): a draft in place, otherwise a new draft version."""
        pm = self.get_object()
        data = body_object(request)
        xml = data.get("xml")
        if xml:
            pm = services.processmap_save(user=request.user, process_map=pm, xml=xml)
        if "name" in data and pm.status == MapStatus.DRAFT:
            pm.name = str(data["name"])[:200]
            pm.save(update_fields=["name"])
        return Response(s.ProcessMapSerializer(pm, context={"request": request}).data)

    def destroy(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        pm = self.get_object()
        if pm.status != MapStatus.DRAFT or pm.cases.exists():
            raise Conflict("只有未使用的草稿可以删除；已发布的流程图请停用", code="not_draft")
        pm.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=inline_serializer("ProcessMapValidation", fields={
        "valid": serializers.BooleanField(), "problems": serializers.ListField(child=serializers.DictField())}))
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):  # noqa: ANN001, ANN201
        """Every problem of the map, each naming its BPMN element id (empty: publishable)."""
        pm = self.get_object()
        problems = services.processmap_validate(process_map=pm)
        return Response({"valid": not problems, "problems": [p.as_dict() for p in problems]})

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):  # noqa: ANN001, ANN201
        pm = services.processmap_publish(user=request.user, process_map=self.get_object())
        return Response(s.ProcessMapSerializer(pm, context={"request": request}).data)

    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):  # noqa: ANN001, ANN201
        pm = services.processmap_retire(user=request.user, process_map=self.get_object())
        return Response(s.ProcessMapSerializer(pm, context={"request": request}).data)

    @extend_schema(responses={(200, "application/xml"): bytes})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):  # noqa: ANN001, ANN201
        """The stored BPMN bytes, unchanged (byte-for-byte what was imported)."""
        pm = self.get_object()
        response = HttpResponse(pm.document.xml_bytes, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{pm.item.code}-v{pm.version}.bpmn"'
        return response


class CaseViewSet(ScopedReadOnlyViewSet):
    """Cases (办件): OPERATIONAL — inside the user's subtree only."""

    queryset = Case.objects.select_related("item", "process_map")
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilterSet
    write_roles = services.CASE_STARTERS + (Role.LEADER, Role.GRID_WORKER)
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=s.CaseStartSerializer, responses={201: s.CaseSerializer, 200: s.CaseSerializer},
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                                description="the client's key for this start: a retry answers the "
                                                            "first case with 200")])
    def create(self, request):  # noqa: ANN001, ANN201
        """Start a case on the map in force (an `Idempotency-Key` header or field makes retries safe)."""
        ser = s.CaseStartSerializer(data=request.data)
        if not ser.is_valid():
            raise _invalid(ser)
        d = ser.validated_data
        case, created = services.case_start_once(
            user=request.user, item=_item(d["item"]), division_code=d["division"], title=d.get("title", ""),
            applicant=d.get("applicant", ""), data=d.get("data"),
            idempotency_key=d.get("idempotency_key") or request.headers.get("Idempotency-Key"))
        # a retry (same Idempotency-Key) answers the first case with 200, not a second 201
        return Response(s.CaseSerializer(case, context={"request": request}).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["get"])
    def ready(self, request, pk=None):  # noqa: ANN001, ANN201
        """Ready tasks, whether you may act on each, and the gateway inputs each step decides.

        `inputs`: `[{name, type: boolean|number|choice|text, label, gateway, choices: [{value,
        label}]}]` with labels from the map's names; `fields`: `{name: [values]}` (older shape).
        """
        case = self.get_object()
        comp = engine.compiled(case.process_map.document.sha256, loader=lambda: case.process_map.document.xml_bytes)
        out = []
        for r in case.ready_tasks:
            out.append({**r, "you_may_act": selectors.user_may_act(request.user, r["keys"], division_code=case.division_id),
                        "fields": flow_inputs.values_by_name(comp.analysis, r["spec"]),
                        "inputs": [f.as_dict() for f in flow_inputs.fields(comp.analysis, r["spec"])]})
        return Response({"count": len(out), "results": out})

    @extend_schema(request=s.TaskCompleteSerializer, responses=s.CaseStepSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):  # noqa: ANN001, ANN201
        """Complete one ready task with inputs (JSON object) and attachments (multipart `files`)."""
        if not Case.objects.visible_to(request.user).filter(pk=pk).exists():
            raise NotFound("办件不存在或不在您的管辖范围内")
        data = body_object(request)
        inputs = data.get("inputs")
        if isinstance(inputs, str):
            try:
                inputs = json.loads(inputs) if inputs.strip() else {}
            except ValueError:
                raise PlatformError("inputs 不是合法的 JSON", code="bad_inputs", fields={"inputs": ["JSON 格式错误"]}) from None
        task_id = data.get("task_id")
        if not task_id:
            raise PlatformError("缺少 task_id", code="invalid", fields={"task_id": ["必填"]})
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        step = services.case_complete_task(user=request.user, case_id=int(pk), task_id=str(task_id), inputs=inputs,
                                           comment=str(data.get("comment") or ""), files=files)
        return Response(s.CaseStepSerializer(step, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):  # noqa: ANN001, ANN201
        case = self.get_object()
        steps = case.steps.prefetch_related("attachments").order_by("seq")
        data = s.CaseStepSerializer(steps, many=True, context={"request": request}).data
        return Response({"count": len(data), "results": data})


class MyTasksView(PlatformAPIView):
    """Ready tasks the signed-in user may act on, soonest due first (paginated)."""

    pagination_class = PlatformPagination  # read by the schema: the answer is the paginated object

    @extend_schema(responses=s.CaseSerializer(many=True))
    def get(self, request):  # noqa: ANN001, ANN201
        paginator = PlatformPagination()
        page: list[Case] | None = paginator.paginate_queryset(selectors.my_tasks(request.user), request, view=self)
        return paginator.get_paginated_response(s.CaseSerializer(page, many=True, context={"request": request}).data)
