"""Pages: an event's detail (timeline, photos) and the routing-gap list for the reform office.

The command-centre screen, the phone form and the citizen form belong to the screens issue;
these two pages show what the API holds."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.filters import division_param
from core.roles import Role
from events import selectors
from events.models import CallDepartment, Event

GAP_READERS = (Role.REFORM_OFFICE, Role.COUNTY_COMMAND, Role.CITY_COMMAND, Role.TOWN_COMMAND, Role.LEADER)


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.visible_to(request.user).select_related(
        "event_class", "grid", "village", "town", "county", "division", "unit", "proposed_unit").defer(
        "grid__geometry", "village__boundary", "town__boundary", "county__boundary", "division__boundary"), pk=pk)
    context = {"event": event, "steps": selectors.timeline(event), "allowed": event.available_actions(request.user),
               "photos": event.photos.filter(step__seq=1), "marks": event.marks.all(),
               "escalations": event.escalations.all(),
               "calls": CallDepartment.objects.filter(call__event=event).select_related("call", "unit")}
    return render(request, "events/detail.html", context)


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
