"""The sharing API.

Managed by people (session or user token): `keys/` (issue, list, revoke, its `calls/`), `calls/`,
`subscriptions/`, `deliveries/` (+ `replay/`), `imports/`. Called by outside systems with a key
(`sharing.keys.KeyAPIView`: scope, rate limit, call log): `v1/events/` (events:read / events:create),
`v1/events/{id}/`, `v1/stats/` (stats:read), `v1/export/` (events:export), `v1/workorders/`
(workorders:import), `v1/subscriptions/` (webhooks:manage).
"""
from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.fields import parse_day
from core.api.schema import EXPORT_RESPONSES, EXPORT_TYPE, paginated
from core.api.views import PlatformAPIView, PlatformViewSet
from core.errors import NotAllowed, PlatformError
from divisions.models import Division
from events.models import Event
from events.services import event_report
from sharing import exports, imports, selectors, services
from sharing.api import serializers as s
from sharing.choices import KeyScope
from sharing.keys import KeyAPIView, key_of
from sharing.models import ApiCall, ApiKey, ImportRun, ImportSource, WebhookDelivery, WebhookSubscription
from sharing.permissions import may_manage


class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    """Keys the user may see; POST issues one (the text is in the answer, once); `revoke/` at once."""

    serializer_class = s.ApiKeySerializer
    queryset = ApiKey.objects.none()

    def get_queryset(self) -> Any:
        return selectors.keys_for(self.request.user)

    @extend_schema(request=s.ApiKeyCreateSerializer, responses={201: s.ApiKeyIssuedSerializer})
    def create(self, request: Request) -> Response:
        data = s.ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        division = Division.objects.filter(code=v["division"]).first()
        if division is None or not may_manage(request.user, division.code):
            raise NotAllowed("只有安全管理员或本区划的指挥中心可以签发该区划的接口密钥", code="not_key_manager")
        issued = services.apikey_create(user=request.user, name=v["name"], division=division, scopes=v["scopes"],
                                        expires_at=v.get("expires_at"), rate_per_minute=v["rate_per_minute"],
                                        note=v["note"])
        body = s.ApiKeySerializer(issued.key).data
        body["key"] = issued.text
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        key = self.get_object()
        return Response(s.ApiKeySerializer(services.apikey_revoke(user=request.user, key=key)).data)

    @extend_schema(responses=s.ApiCallSerializer(many=True))
    @action(detail=True, methods=["get"])
    @paginated
    def calls(self, request: Request, pk: str) -> Response:
        key = self.get_object()
        rows = selectors.calls_for(request.user).filter(key=key)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ApiCallSerializer(page, many=True).data)


class ApiCallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    """The call log: owners, the centres and auditor of the subtree, the administrators."""

    serializer_class = s.ApiCallSerializer
    queryset = ApiCall.objects.none()

    def get_queryset(self) -> Any:
        qs = selectors.calls_for(self.request.user)
        key = self.request.query_params.get("key")
        return qs.filter(key_id=int(key)) if key and key.isdigit() else qs


class SubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                          PlatformViewSet):
    serializer_class = s.SubscriptionSerializer
    queryset = WebhookSubscription.objects.none()

    def get_queryset(self) -> Any:
        return selectors.subscriptions_for(self.request.user)

    @extend_schema(request=s.SubscriptionCreateSerializer, responses={201: s.SubscriptionIssuedSerializer})
    def create(self, request: Request) -> Response:
        data = s.SubscriptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        key = get_object_or_404(selectors.keys_for(request.user), pk=v.get("key") or 0)
        issued = services.subscription_create(user=request.user, key=key, url=v["url"], algorithm=v["algorithm"],
                                              classes=v["classes"], states=v["states"])
        body = s.SubscriptionSerializer(issued.subscription).data
        body["secret"] = issued.secret
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Any) -> None:
        services.subscription_delete(user=self.request.user, subscription=instance)


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    serializer_class = s.DeliverySerializer
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self) -> Any:
        return selectors.deliveries_for(self.request.user)

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str) -> Response:
        delivery = self.get_object()
        return Response({"key": services.delivery_replay(user=request.user, delivery=delivery)},
                        status=status.HTTP_202_ACCEPTED)


class ImportRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    """Import runs in the user's subtree; POST imports a work-order file as the signed-in user (a
    command centre: the 12345 desk of a city, county or town), the same way a key does."""

    serializer_class = s.ImportRunSerializer
    queryset = ImportRun.objects.none()
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> Any:
        return selectors.imports_for(self.request.user)

    @extend_schema(request=s.ImportInputSerializer, responses={200: s.ImportRunSerializer})
    def create(self, request: Request) -> Response:
        from core.roles import COMMAND_ROLES, has_role

        division_id = getattr(request.user, "division_id", None)
        if not has_role(request.user, COMMAND_ROLES) or not division_id:
            raise NotAllowed("只有指挥中心可以导入工单", code="not_importer")
        run = _import(request, user=request.user, key=None, division_id=str(division_id))
        return Response(s.ImportRunSerializer(run).data)


# --- called by outside systems with a key ---------------------------------------------------------

FILE_TYPES = ("csv", "xlsx", "geojson")


def _file_type(request: Request) -> str:
    """`?type=` (or `?format=` naming a file type; DRF's own `format=api|json` leaves the default csv)."""
    fmt = request.query_params.get("type") or request.query_params.get("format") or "csv"
    if fmt in ("api", "json") and not request.query_params.get("type"):
        return "csv"
    if fmt not in FILE_TYPES:
        raise PlatformError("文件类型只能是 csv、xlsx 或 geojson", code="bad_format", fields={"type": ["格式不支持"]})
    return fmt


def _event_row(event: Event, steps: bool = False) -> dict[str, Any]:
    row = {"id": event.pk, "code": event.code, "category": event.event_class.code if event.event_class else None,
           "description": event.description, "state": event.state, "state_kind": event.state_kind,
           "division": event.division_id, "address": event.address, "lat": event.lat, "lng": event.lng,
           "unit": event.unit.name if event.unit else None, "level": event.level, "channel": event.channel,
           "client_id": event.client_id, "reported_at": event.reported_at, "due_at": event.due_at,
           "closed_at": event.closed_at, "updated_at": event.updated_at}
    if steps:
        row["timeline"] = [{"seq": st.seq, "action": st.action, "outcome": st.outcome, "to": st.to_state,
                            "at": st.at, "note": st.note} for st in event.steps.order_by("seq")]
    return row


def _events(user: Any) -> Any:
    return Event.objects.visible_to(user).select_related("event_class", "unit").defer(
        "routing", "candidates")


class KeyEventsView(KeyAPIView):
    """GET: events of the key's subtree (`events:read`; `?state=`, `?category=`, `?limit=` ≤ 1000,
    `?offset=`). POST: report one (`events:create`) through the one intake."""

    def get_permissions(self) -> Any:
        self.required_scope = KeyScope.EVENTS_CREATE if self.request.method == "POST" else KeyScope.EVENTS_READ
        return super().get_permissions()

    @extend_schema(operation_id="sharing_v1_events_list", responses={200: dict})
    def get(self, request: Request) -> Response:
        qs = exports.events_for_export(request.user, request.query_params)
        try:
            limit = min(max(int(request.query_params.get("limit", 100)), 1), 1000)
            offset = max(int(request.query_params.get("offset", 0)), 0)
        except ValueError:
            raise PlatformError("limit / offset 须为整数", code="bad_page") from None
        total = qs.count()
        rows = [_event_row(e) for e in _events(request.user).filter(pk__in=qs.values("pk"))
                .order_by("-reported_at", "-id")[offset:offset + limit]]
        self.rows = len(rows)
        return Response({"count": total, "results": rows})

    @extend_schema(request=s.KeyEventCreateSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        data = s.KeyEventCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = event_report(user=request.user, channel=v["channel"], description=v["description"],
                              category=v["category"] or None, category_text=v["category_text"], lat=v["lat"],
                              lng=v["lng"], address=v["address"], client_id=v["client_id"],
                              reported_at=v["reported_at"], source_ref=f"key:{key_of(request).prefix}")
        self.rows = 1
        return Response(_event_row(result.event), status=201 if result.created else 200)


class KeyEventDetailView(KeyAPIView):
    required_scope = KeyScope.EVENTS_READ

    @extend_schema(responses={200: dict})
    def get(self, request: Request, pk: int) -> Response:
        event = get_object_or_404(_events(request.user), pk=pk)
        self.rows = 1
        return Response(_event_row(event, steps=True))


class KeyStatsView(KeyAPIView):
    """Counts of the key's subtree: by state kind and by class (`stats:read`)."""

    required_scope = KeyScope.STATS_READ

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        qs = exports.events_for_export(request.user, request.query_params)
        kinds = dict(qs.order_by().values_list("state_kind").annotate(n=Count("pk")))
        classes = [{"category": c or None, "count": n} for c, n in
                   qs.order_by().values_list("event_class__code").annotate(n=Count("pk")).order_by("event_class__code")]
        self.rows = len(classes)
        return Response({"total": sum(kinds.values()), "by_kind": kinds, "by_category": classes})


class KeyExportView(KeyAPIView):
    """`?format=csv|xlsx|geojson` plus the list filters (`events:export`); streamed."""

    required_scope = KeyScope.EVENTS_EXPORT

    def perform_content_negotiation(self, request: Any, force: bool = False) -> Any:
        # `?format=` names the file here, not one of DRF's renderers
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses=EXPORT_RESPONSES, parameters=[EXPORT_TYPE])
    def get(self, request: Request) -> Any:
        fmt = _file_type(request)
        qs = exports.events_for_export(request.user, request.query_params)
        call_holder: dict[str, Any] = {}

        def done(n: int) -> None:
            call = call_holder.get("call")
            if call is not None:
                ApiCall.objects.filter(pk=call.pk).update(rows=n)
            call_holder["rows"] = n

        stamp = "events"
        if fmt == "xlsx":
            response = exports.xlsx_response(qs, f"{stamp}.xlsx", key_of(request).division.name, done)
            self.rows = call_holder.get("rows", 0)
        elif fmt == "geojson":
            response = exports.geojson_response(qs, f"{stamp}.geojson", done)
        else:
            response = exports.csv_response(qs, f"{stamp}.csv", done)
        self._call_holder = call_holder
        return response

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        holder = getattr(self, "_call_holder", None)
        if holder is not None:
            holder["call"] = getattr(response, "_sharing_call", None)
        return response


def _import(request: Request, *, user: Any, key: Any, division_id: str) -> ImportRun:
    """A file (`file`) or rows (`rows`) with an optional saved mapping (`source_id`), checked or imported."""
    data = s.ImportInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    source = None
    if v.get("source_id"):
        source = get_object_or_404(ImportSource.objects.visible_to(user), pk=v["source_id"])
    mapping = imports.mapping_of(source)
    if v.get("file"):
        upload = v["file"]
        orders = imports.read_orders(upload.read(), upload.name, mapping)
        filename = upload.name
    else:
        orders = imports.orders_from_objects(v["rows"], mapping)
        filename = "rows.json"
    return imports.workorders_import(user=user, orders=orders, filename=filename, dry_run=v["dry_run"],
                                     source=source, key=key, division_id=division_id)


class KeyWorkOrdersView(KeyAPIView):
    """Import work orders (`workorders:import`): multipart `file` (.xlsx/.csv/.json) or JSON `rows`,
    `dry_run`, optional `source_id` (a saved mapping). Answers the run (refused rows by line)."""

    required_scope = KeyScope.WORKORDERS_IMPORT
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=s.ImportInputSerializer, responses={200: s.ImportRunSerializer})
    def post(self, request: Request) -> Response:
        key = key_of(request)
        run = _import(request, user=request.user, key=key, division_id=key.division_id)
        self.rows = run.created
        return Response(s.ImportRunSerializer(run).data)


class KeyWorkOrderRunView(KeyAPIView):
    """Progress of an import run made with this key."""

    required_scope = KeyScope.WORKORDERS_IMPORT

    @extend_schema(responses=s.ImportRunSerializer)
    def get(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(selectors.runs_of_key(key_of(request)), pk=pk)
        self.rows = 1
        return Response(s.ImportRunSerializer(run).data)


class KeySubscriptionsView(KeyAPIView):
    """An outside system subscribes itself (`webhooks:manage`); the secret is in the answer, once."""

    required_scope = KeyScope.WEBHOOKS

    @extend_schema(responses=s.SubscriptionSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = s.SubscriptionSerializer(selectors.subscriptions_of_key(key_of(request)), many=True).data
        self.rows = len(rows)
        return Response(rows)

    @extend_schema(request=s.SubscriptionCreateSerializer, responses={201: s.SubscriptionIssuedSerializer})
    def post(self, request: Request) -> Response:
        data = s.SubscriptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        issued = services.subscription_create(user=request.user, key=key_of(request), url=v["url"],
                                              algorithm=v["algorithm"], classes=v["classes"], states=v["states"])
        body = s.SubscriptionSerializer(issued.subscription).data
        body["secret"] = issued.secret
        self.rows = 1
        return Response(body, status=201)


class KeyListsView(KeyAPIView):
    """Lists in force readable by the key (`lists:read`): its division's, its subtree's and its
    ancestors' (reference data)."""

    required_scope = KeyScope.LISTS_READ

    @extend_schema(operation_id="sharing_v1_lists_list", responses={200: dict})
    def get(self, request: Request) -> Response:
        from catalog.models import ItemList

        rows = [{"id": x.pk, "division": x.division_id, "division_name": x.division.name, "kind": x.kind,
                 "base": x.base_id}
                for x in ItemList.objects.visible_to(request.user).select_related("division").order_by("division_id",
                                                                                                         "kind")]
        self.rows = len(rows)
        return Response(rows)


class KeyListDetailView(KeyAPIView):
    """One list as in force today (`?on=YYYY-MM-DD` for another day): its items and where each comes from."""

    required_scope = KeyScope.LISTS_READ

    @extend_schema(responses={200: dict})
    def get(self, request: Request, pk: int) -> Response:
        from catalog.models import ItemList
        from catalog.selectors import list_state

        item_list = get_object_or_404(ItemList.objects.visible_to(request.user), pk=pk)
        on = parse_day(request.query_params.get("on"), "on")
        state = list_state(item_list, on)
        items = [{"code": e.item.code, "name": e.item.name, "kind": e.item.kind, "origin": e.origin}
                 for e in state.entries]
        self.rows = len(items)
        return Response({"id": item_list.pk, "division": item_list.division_id, "kind": item_list.kind,
                         "as_of": state.as_of, "items": items})


class UserExportView(PlatformAPIView):
    """Signed-in users export the events they may see (same filters and formats as a key's export)."""

    def perform_content_negotiation(self, request: Any, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses=EXPORT_RESPONSES, parameters=[EXPORT_TYPE])
    def get(self, request: Request) -> Any:
        fmt = _file_type(request)
        qs = exports.events_for_export(request.user, request.query_params)
        if fmt == "xlsx":
            area = getattr(getattr(request.user, "division", None), "name", "") or "全部"
            return exports.xlsx_response(qs, "events.xlsx", area)
        if fmt == "geojson":
            return exports.geojson_response(qs, "events.geojson")
        return exports.csv_response(qs, "events.csv")
