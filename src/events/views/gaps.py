"""Page: the routing-gap list (事件分拨缺口) for the reform office and the command centres."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.filters import division_param
from core.roles import Role
from events import selectors

GAP_READERS = (Role.REFORM_OFFICE, Role.COUNTY_COMMAND, Role.CITY_COMMAND, Role.TOWN_COMMAND, Role.LEADER)


@login_required
def routing_gaps(request: HttpRequest) -> HttpResponse:
    value = request.GET.get("division") or ""
    error = ""
    division = None
    if value:
        try:
            division = division_param(value)
        except Exception as exc:  # noqa: BLE001 - a PlatformError's message is shown on the page
            error = getattr(exc, "message", str(exc))
    rows = selectors.routing_gaps(request.user, division) if not error else []
    return render(request, "events/gaps.html", {"rows": rows[:2000], "total": len(rows), "division": value,
                                                "error": error})
