"""Open311 GeoReport v2 under /open311/v2/ (DESIGN.md §4): discovery, services, services/{code},
requests (GET and POST), requests/{id}, tokens/{id}, each as `.json` or `.xml`.

Only `POST requests` needs an `api_key` (a key holding `events:create`); reads without a key see
the public view (see `sharing.open311.selectors`), reads with a key holding `events:read` its
subtree. A POST becomes an event through `events.services.event_report` (channel `open311`,
`source_ref` `open311`), the one intake; the optional `client_id` (or an `Idempotency-Key`
header) makes a retried POST answer the first request instead of a second one. Errors are the
spec's list of `{code, description}` with 400, 403, 404 (and 429 when the key's rate is spent),
in the format asked for. These views stay out of /api/schema/ (`schema = None`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.throttling import AnonRateThrottle

from core.errors import PlatformError
from divisions.models import Division
from events.choices import Channel
from events.models import Event
from events.services import event_report
from sharing.choices import KeyScope
from sharing.keys import KeyAPIView
from sharing.models import ApiKey
from sharing.open311 import render
from sharing.open311 import selectors as sel


class Open311Permission(BasePermission):
    """Reads are open; `POST requests` needs a key holding `events:create` (403 otherwise)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.PermissionDenied("api_key 缺失或无效")
        if not key.allows(KeyScope.EVENTS_CREATE):
            raise exceptions.PermissionDenied("该 api_key 没有上报事件的权限（events:create）")
        return True


class AnonymousReadThrottle(AnonRateThrottle):
    """Reads without a key: `SHARING_OPEN311_ANON_RATE` per client address (default 120/min; the
    default cache, so per process unless a shared cache is configured). Keyed calls have their own
    shared limit (`sharing.keys.check_rate`)."""

    def get_rate(self) -> str:
        return str(getattr(settings, "SHARING_OPEN311_ANON_RATE", "120/min"))


class Open311View(KeyAPIView):
    """Base: optional key, the spec's error body in the format of the URL."""

    permission_classes = [Open311Permission]
    throttle_classes = [AnonymousReadThrottle]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    schema = None
    root = "service_requests"

    def handle_exception(self, exc: Exception) -> Any:
        fmt = self.kwargs.get("fmt", "json") if hasattr(self, "kwargs") else "json"
        status, text = 400, str(exc)
        if isinstance(exc, (exceptions.AuthenticationFailed, exceptions.NotAuthenticated,
                            exceptions.PermissionDenied)):
            status, text = 403, str(exc.detail)
        elif isinstance(exc, (Http404, exceptions.NotFound)):
            status, text = 404, str(exc) or "不存在"
        elif isinstance(exc, exceptions.Throttled):
            status, text = 429, str(exc.detail)
        elif isinstance(exc, exceptions.MethodNotAllowed):
            status, text = 405, str(exc.detail)
        elif isinstance(exc, PlatformError):
            status = exc.status if exc.status in (400, 403, 404) else 400
            fields = "; ".join(f"{k}: {'、'.join(map(str, v))}" for k, v in (exc.fields or {}).items())
            text = exc.message + (f"（{fields}）" if fields else "")
        elif isinstance(exc, exceptions.APIException):
            status, text = exc.status_code, str(exc.detail)
        else:
            return super().handle_exception(exc)
        response = render.errors(fmt, status, text)
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait:
            response["Retry-After"] = str(int(wait))
        return response


def _bad(field: str, text: str) -> PlatformError:
    return PlatformError(text, code="bad_request", fields={field: [text]})


def _date(value: str, field: str) -> dt.datetime | None:
    if not value:
        return None
    found = parse_datetime(value.replace(" ", "+")) if "T" in value else None
    if found is None or found.tzinfo is None:
        raise _bad(field, f"{field} 须为带时区的 W3C 日期时间，如 2026-11-30T08:00:00+08:00")
    return found


def _list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class DiscoveryView(Open311View):
    def get(self, request: Any, fmt: str) -> HttpResponse:
        base = request.build_absolute_uri(reverse("open311-services", kwargs={"fmt": "json"}))
        base = base.rsplit("/services.json", 1)[0] + "/"
        return render.answer(fmt, "discovery", {
            "changeset": "2026-11-30T00:00:00+08:00",
            "contact": "请联系所在市级指挥中心",
            "key_service": "接口密钥由安全管理员或指挥中心签发",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                           "changeset": "2026-11-30T00:00:00+08:00", "type": "production",
                           "formats": ["text/xml", "application/json"]}],
        })


class ServicesView(Open311View):
    def get(self, request: Any, fmt: str) -> HttpResponse:
        rows = [sel.service_row(c) for c in sel.classes_for(sel.reader_key(request))]
        self.rows = len(rows)
        return render.answer(fmt, "services", rows)


class ServiceDefinitionView(Open311View):
    def get(self, request: Any, code: str, fmt: str) -> HttpResponse:
        cls = sel.classes_for(sel.reader_key(request)).filter(code=code).first()
        if cls is None:
            raise Http404("服务（事件类别）不存在")
        meta = getattr(cls, "open311", None) if hasattr(cls, "open311") else None
        attributes = []
        for i, a in enumerate((meta.attributes if meta else []) or [], start=1):
            attributes.append({"variable": a.get("variable", True), "code": a.get("code", ""),
                               "datatype": a.get("datatype", "string"), "required": bool(a.get("required")),
                               "datatype_description": a.get("datatype_description", ""),
                               "order": a.get("order", i), "description": a.get("description", ""),
                               "values": [{"key": v.get("key"), "name": v.get("name")} for v in a.get("values", [])]})
        self.rows = 1
        return render.answer(fmt, "service_definition", {"service_code": cls.code, "attributes": attributes})


def _attributes(data: Any, meta: Any) -> dict[str, str]:
    given = {k[len("attribute["):-1]: data.get(k) for k in data if k.startswith("attribute[") and k.endswith("]")}
    for a in (meta.attributes if meta else []) or []:
        code = a.get("code", "")
        if a.get("required") and not str(given.get(code) or "").strip():
            raise _bad(f"attribute[{code}]", f"缺少必填附加信息 attribute[{code}]（{a.get('description', code)}）")
        allowed = {str(v.get("key")) for v in a.get("values", [])}
        if allowed and given.get(code) not in (None, "") and str(given[code]) not in allowed:
            raise _bad(f"attribute[{code}]", f"attribute[{code}] 的取值不在可选范围内")
    return {k: str(v)[:200] for k, v in given.items()}


class RequestsView(Open311View):
    def get(self, request: Any, fmt: str) -> HttpResponse:
        p = request.query_params
        statuses = _list(p.get("status", ""))
        if any(s not in ("open", "closed") for s in statuses):
            raise _bad("status", "status 只能是 open 或 closed")
        key = sel.reader_key(request)
        qs = sel.filter_requests(sel.events_for(key), ids=_list(p.get("service_request_id", "")),
                                 service_codes=_list(p.get("service_code", "")),
                                 start=_date(p.get("start_date", ""), "start_date"),
                                 end=_date(p.get("end_date", ""), "end_date"), statuses=statuses)
        rows = [sel.request_row(e, public=key is None) for e in qs.order_by("-reported_at", "-id")[:sel.MAX_REQUESTS]]
        self.rows = len(rows)
        return render.answer(fmt, "service_requests", rows)

    def post(self, request: Any, fmt: str) -> HttpResponse:
        data = request.data
        if not isinstance(data, Mapping):
            raise _bad("body", "请求体须为表单或 JSON 对象")
        key: ApiKey = request.auth
        code = str(data.get("service_code") or "").strip()
        if not code:
            raise _bad("service_code", "缺少 service_code")
        cls = sel.classes_for(key).filter(code=code).first()
        if cls is None:
            raise _bad("service_code", f"service_code {code} 不存在")
        lat, lng = data.get("lat"), data.get("long")
        address = str(data.get("address_string") or "").strip()
        address_id = str(data.get("address_id") or "").strip()
        if address_id and not address:
            division = Division.objects.filter(code=address_id).only("name").first()
            if division is None:
                raise _bad("address_id", "address_id 不是已知的区划代码")
            address = division.name
        if (lat in (None, "") or lng in (None, "")) and not address:
            raise _bad("lat", "须提供 lat/long、address_string 或 address_id 之一")
        meta = getattr(cls, "open311", None) if hasattr(cls, "open311") else None
        attributes = _attributes(data, meta)
        description = str(data.get("description") or "").strip() or cls.name
        media = str(data.get("media_url") or "").strip()
        extra = "".join(f"\n{k}：{v}" for k, v in attributes.items())
        if media:
            extra += f"\n图片：{media[:300]}"
        token = str(data.get("client_id") or request.META.get("HTTP_IDEMPOTENCY_KEY") or "").strip()[:60]
        name = " ".join(str(data.get(k) or "").strip() for k in ("last_name", "first_name")).strip()
        result = event_report(
            user=key.user, channel=Channel.OPEN311, description=(description + extra)[:5000], category=cls.code,
            lat=lat if lat not in ("", None) else None, lng=lng if lng not in ("", None) else None,
            address=address, client_id=f"open311:{key.pk}:{token}" if token else "",
            reporter_name=name[:50] or "Open311 市民", reporter_phone=str(data.get("phone") or "")[:30],
            source_ref="open311")
        self.rows = 1
        body = [{"service_request_id": str(result.event.pk), "service_notice": "", "account_id": None}]
        if token:
            body[0]["token"] = token
        return render.answer(fmt, "service_requests", body, status=201 if result.created else 200)


class RequestView(Open311View):
    def get(self, request: Any, request_id: str, fmt: str) -> HttpResponse:
        key = sel.reader_key(request)
        event = sel.events_for(key).filter(pk=int(request_id)).first() if request_id.isdigit() else None
        if event is None:
            raise Http404(f"service_request_id {request_id} 不存在")
        self.rows = 1
        return render.answer(fmt, "service_requests", [sel.request_row(event, public=key is None)])


class TokenView(Open311View):
    """`tokens/{token}`: the request a POST with that `client_id` created (requests are created at
    once, so a token always names its request when the caller may see it)."""

    def get(self, request: Any, token: str, fmt: str) -> HttpResponse:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        found: Event | None = None
        if key is not None:
            found = sel.events_for(sel.reader_key(request) or key).filter(
                channel=Channel.OPEN311, client_id=f"open311:{key.pk}:{token}").first()
        if found is None:
            raise Http404(f"token {token} 不存在")
        self.rows = 1
        return render.answer(fmt, "service_requests", [{"service_request_id": str(found.pk), "token": token}])
