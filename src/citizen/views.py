"""Public pages without login: the citizen report form (`/report/`), the status of a query code
(`/report/<code>/`), the code lookup and the outlines for the report map.

Limits per client address (`accounts.lockout.client_ip`: the socket, or the address behind
`TRUSTED_PROXY_COUNT` proxies), counted by django-ratelimit in the shared "ratelimit" cache:
- `CITIZEN_SUBMIT_RATE` (30/h): every POST of the form, refused ones included;
- `CITIZEN_REPORT_RATE` (5/h): reports stored (a retry of the same form is not a new report);
- `CITIZEN_LOOKUP_RATE` (60/h): status lookups of codes that do not exist (a reporter reloading
  their own page costs nothing; guessing codes is cut off).
A refusal is the form page with a Chinese message and status 429 (`Retry-After` in seconds).
CSRF stays on for the form. The status page is `no-store`, `no-referrer` and `noindex`.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import get_usage

from citizen import codes, selectors, services
from citizen.forms import LookupForm, ReportForm
from core.errors import PlatformError

SUBMIT, REPORT, LOOKUP = "citizen.submit", "citizen.report", "citizen.lookup"


def _usage(request: HttpRequest, group: str, rate: str, *, increment: bool) -> dict[str, Any] | None:
    return get_usage(request, group=group, key="ip", rate=rate, increment=increment)


def _spent(usage: dict[str, Any] | None, *, counted: bool) -> bool:
    """Is the limit reached? After counting this request: over the limit; before: at it."""
    if usage is None:
        return False
    return bool(usage["should_limit"]) if counted else usage["count"] >= usage["limit"]


def _refusal(usage: dict[str, Any] | None, what: str) -> tuple[str, int]:
    seconds = max(int((usage or {}).get("time_left", 60) or 60), 60)
    minutes = (seconds + 59) // 60
    limit = (usage or {}).get("limit", 0)
    return (f"{what}过于频繁：同一网络每小时最多{limit}次，请约 {minutes} 分钟后再试。"
            "紧急情况请直接拨打 110、119、120；其他诉求也可拨打 12345 热线。"), seconds


def _page(request: HttpRequest, form: ReportForm, *, status: int = 200, lookup: LookupForm | None = None,
          refused: str = "") -> HttpResponse:
    return render(request, "citizen/report.html", {
        "form": form, "lookup": lookup or LookupForm(), "refused": refused}, status=status)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The report form; a stored report redirects to its status page with the new query code."""
    if request.method != "POST":
        return _page(request, ReportForm())
    form = ReportForm(request.POST, request.FILES)
    usage = _usage(request, SUBMIT, settings.CITIZEN_SUBMIT_RATE, increment=True)
    limited = usage if _spent(usage, counted=True) else None
    if limited is None and services.report_for_retry(request.POST.get("client_id", "")) is None:
        reports = _usage(request, REPORT, settings.CITIZEN_REPORT_RATE, increment=False)
        limited = reports if _spent(reports, counted=False) else None
    if limited is not None:
        form.is_valid()  # the typed values come back with the message
        message, seconds = _refusal(limited, "上报")
        response = _page(request, form, status=429, refused=message)
        response["Retry-After"] = str(seconds)
        return response
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        result = services.citizen_report(
            user=request.user, category=data["category"], description=data["description"], lat=data.get("lat"),
            lng=data.get("lng"), address=data.get("address") or "", photo_files=data.get("photos") or [],
            phone=data.get("phone") or "", client_id=data.get("client_id") or "")
    except PlatformError as exc:
        form.refuse(exc)
        return _page(request, form, status=exc.status if 400 <= exc.status < 500 else 400)
    if result.created:
        _usage(request, REPORT, settings.CITIZEN_REPORT_RATE, increment=True)
    return redirect(reverse("citizen:status", kwargs={"code": result.code}) + "?new=1")


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _guess_limited(request: HttpRequest) -> HttpResponse | None:
    usage = _usage(request, LOOKUP, settings.CITIZEN_LOOKUP_RATE, increment=False)
    if not _spent(usage, counted=False):
        return None
    message, seconds = _refusal(usage, "查询失败")
    response = render(request, "citizen/limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return _private(response)


@require_GET
def status(request: HttpRequest, code: str) -> HttpResponse:
    """The public status of a query code (what it shows: `citizen.selectors` docstring); an unknown
    code is a 404 like any address that does not exist, and counts against the lookup limit."""
    refused = _guess_limited(request)
    if refused is not None:
        return refused
    found = selectors.public_status(code)
    if found is None:
        _usage(request, LOOKUP, settings.CITIZEN_LOOKUP_RATE, increment=True)
        raise Http404("查询码不存在")
    if codes.normalise(code) != code:  # one address per code: lower case or a hyphen lead to the canonical one
        return redirect(reverse("citizen:status", kwargs={"code": codes.normalise(code)}))
    return _private(render(request, "citizen/status.html", {"status": found, "new": request.GET.get("new") == "1"}))


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """`?code=` from the form on the report page → the status page, or the form with the message."""
    form = LookupForm(request.GET)
    if form.is_valid():
        return redirect(reverse("citizen:status", kwargs={"code": form.cleaned_data["code"]}))
    return _page(request, ReportForm(), status=400, lookup=form)


@require_GET
def outlines(request: HttpRequest) -> HttpResponse:
    """County and town outlines for the report map (public reference data, `selectors.public_outlines_geojson`)."""
    response = HttpResponse(selectors.public_outlines_geojson(), content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
