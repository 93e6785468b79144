"""Pages of the command-centre screen: the screen, its state (polled with If-None-Match), and the
header's unread count. Thin: everything read comes from `command.selectors`; every write goes from
the browser to the events API (`POST /api/events/{id}/{accept|file|dispatch}/`), never through here."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from command import selectors
from events.choices import Channel, Level
from events.lifecycle import State
from notify.selectors import unread_counts
from org.models import Unit

UNIT_CHOICES_LIMIT = 500


def _viewer(request: HttpRequest) -> None:
    if not selectors.may_view(request.user):
        raise PermissionDenied("只有指挥中心和领导可以查看指挥调度大屏")


def _etag(cursor: str) -> str:
    return f'"{cursor}"'


@login_required
@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """`/command/` — `?mode=wall` (full screen, no queues' buttons) or `desk` (default, the dispatcher)."""
    _viewer(request)
    user = request.user
    mode = "wall" if request.GET.get("mode") == "wall" else "desk"
    cursor = selectors.cursor(user)
    state = selectors.screen_state(user)
    units = list(Unit.objects.visible_to(user).order_by("division_id", "order", "name")
                 .values_list("id", "name")[:UNIT_CHOICES_LIMIT]) if mode == "desk" else []
    context = {
        "mode": mode, "cursor": cursor, "state": state, "level": selectors.viewer_level(user),
        "labels": {"state": dict(State.choices), "channel": dict(Channel.choices), "level": dict(Level.choices)},
        "units": [{"id": pk, "name": name} for pk, name in units],
        "unread": unread_counts(user)["total"],
    }
    return render(request, "command/screen.html", context)


@login_required
@require_GET
def state(request: HttpRequest) -> HttpResponse:
    """`/command/state/?parts=map,queues,…` — 304 when the cursor equals If-None-Match (one or two
    index reads, nothing else computed), else the parts asked for (default all) with the new ETag."""
    _viewer(request)
    cursor = selectors.cursor(request.user)
    etag = _etag(cursor)
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        asked = tuple(p for p in request.GET.get("parts", "").split(",") if p in selectors.PARTS) or selectors.PARTS
        data = selectors.screen_state(request.user, asked)
        data["cursor"] = cursor
        data["unread"] = unread_counts(request.user)["total"]
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_GET
def unread(request: HttpRequest) -> HttpResponse:
    """`/command/unread/` — the header's unread-notification badge (an HTML fragment, loaded once per page)."""
    return render(request, "command/_unread_badge.html", {"unread": unread_counts(request.user)["total"]})
