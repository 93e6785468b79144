"""Pages of the grid worker's phone app (网格员端, `/m/`). Thin: reads come from `mobile.selectors`
(scoped), writes go from the phone to the events API — reports to `POST /api/events/` (queued in
IndexedDB while offline, each with its `client_id`), verifications to `POST /api/events/{id}/verify/`.
The service worker and the web app manifest are served here so that their scope is `/m/`."""
from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from events.lifecycle import State
from mobile import selectors

# Files the service worker imports, in dependency order (vendored from npm, frontend/vendor.sh).
WORKBOX_MODULES = ("core", "routing", "strategies", "cacheable-response", "expiration")
# Bump when the service worker's routes or cache names change: old caches are then dropped.
SW_VERSION = "1"


def _context(request: HttpRequest, tab: str) -> dict[str, Any]:
    worker = selectors.worker_of(request.user)
    return {"tab": tab, "worker": worker, "rendered_at": timezone.localtime()}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """`/m/` — my grids on the map, what waits for me, the queue of reports not yet sent."""
    context = _context(request, "home")
    context.update(my_grids=selectors.my_grids(request.user, context["worker"]),
                   to_verify=selectors.awaiting_verification(request.user).count())
    return render(request, "mobile/home.html", context)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """`/m/report/` — the report form (class, photos, position, description); works offline."""
    context = _context(request, "report")
    context.update(my_grids=selectors.my_grids(request.user, context["worker"]),
                   classes=selectors.class_choices(request.user))
    return render(request, "mobile/report.html", context)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """`/m/mine/` — the queue (待发送) and my reports with their states."""
    context = _context(request, "mine")
    context.update(reports=selectors.my_reports(request.user), closed_states=(State.CLOSED, State.RATED))
    return render(request, "mobile/mine.html", context)


@login_required
@require_GET
def verify_list(request: HttpRequest) -> HttpResponse:
    """`/m/verify/` — handled events that wait for my 核查."""
    context = _context(request, "verify")
    context.update(events=selectors.awaiting_verification(request.user))
    return render(request, "mobile/verify_list.html", context)


@login_required
@require_GET
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    """`/m/verify/<id>/` — pass, or fail with reason and photos (back to handling). 404 for an event
    that does not wait for this user's verification (another's, or outside the user's scope)."""
    found = selectors.verification(request.user, pk)
    if found is None:
        raise Http404
    context = _context(request, "verify")
    context.update(item=found, event=found.event)
    return render(request, "mobile/verify.html", context)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """`/m/sw.js` — the service worker (Workbox, runtime caching), scope `/m/`. Public: it holds
    no data, only routes; never cached by the browser's HTTP cache so an update is seen at once."""
    response = render(request, "mobile/sw.js", {
        # JSON string literals (json.dumps), written into the script as they are
        "modules": [json.dumps(static(f"vendor/workbox/workbox-{m}.prod.js")) for m in WORKBOX_MODULES],
        "version": json.dumps(SW_VERSION), "static_url": json.dumps(settings.STATIC_URL),
        "scope": json.dumps(reverse("mobile:home")),
    }, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """`/m/manifest.webmanifest` — the web app manifest (installable app, icons served locally)."""
    return render(request, "mobile/manifest.webmanifest", {
        "icons": [(static(f"mobile/icon-{n}.png"), n) for n in (192, 512)],
        "start": reverse("mobile:home"),
    }, content_type="application/manifest+json; charset=utf-8")
