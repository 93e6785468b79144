"""Page: one event (`/events/<id>/`) — map position, photos, description, routing proposal, the
responsibility answer with its source, the whole timeline, and a form for each action the user may
take now; `POST /events/<id>/act/<action>/` takes one through `events.services.event_act`.

Which actions are offered is the lifecycle's answer (`Event.available_actions(user)`: the table and
its actor check); which fields each form requires comes from the table's `needs` (`events.forms`).
A refused action re-renders the page with its status, the message beside the field and every typed
value kept (`core.forms.add_platform_error`).
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import PlatformError
from core.forms import add_platform_error
from events import lifecycle, selectors, services
from events.forms import ActionForm, action_forms
from events.lifecycle import State
from events.models import CallDepartment, Event, EventPhoto

DETAIL_RELATED = ("event_class", "event_class__matter", "matter", "matter__item", "grid", "village", "town", "county",
                  "division", "unit", "proposed_unit", "reporter")
DETAIL_DEFER = ("grid__geometry", "village__boundary", "town__boundary", "county__boundary", "division__boundary")


def _event(request: HttpRequest, pk: int) -> Event:
    return get_object_or_404(Event.objects.visible_to(request.user).select_related(*DETAIL_RELATED)
                             .defer(*DETAIL_DEFER), pk=pk)


def _render(request: HttpRequest, event: Event, *, bound: ActionForm | None = None, status: int = 200,
            refusal: str = "") -> HttpResponse:
    user = request.user
    photos = list(EventPhoto.objects.visible_to(user).filter(event=event).select_related("step").order_by("id"))
    context: dict[str, Any] = {
        "event": event, "steps": selectors.timeline(event), "forms": action_forms(event, user, bound),
        "refusal": refusal,
        "report_photos": [p for p in photos if p.step_id is None or p.step.seq == 1],
        "point": {"lat": event.lat, "lng": event.lng, "division": event.village_id or event.town_id or ""}
        if event.lat is not None and event.lng is not None else None,
        "source": selectors.responsibility_source(event, user),
        "marks": event.marks.all(), "escalations": event.escalations.all(),
        "calls": CallDepartment.objects.visible_to(user).filter(call__event=event).select_related("call", "unit"),
    }
    return render(request, "events/detail.html", context, status=status)


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _event(request, pk))


@login_required
@require_POST
def event_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take `action` with the posted form. Not possible now (state moved on, not this user's step):
    the page again with 409 and what is possible now. Refused by the form or the service: the page
    with the service's status (400, 403, 409), the message beside its field, the typed values kept."""
    if action not in lifecycle.ACTIONS:
        raise Http404
    event = _event(request, pk)
    user = request.user
    if action not in event.available_actions(user):
        allowed = "、".join(str(lifecycle.Action(a).label) for a in event.available_actions(user)) or _("无")
        refusal = _("事件当前状态为“%(state)s”，您现在不能“%(action)s”；现在可以：%(allowed)s") % {
            "state": State(event.state).label, "action": lifecycle.Action(action).label, "allowed": allowed}
        return _render(request, event, status=409, refusal=refusal)
    form = ActionForm(request.POST, request.FILES, event=event, action=action, user=user)
    if not form.is_valid():
        return _render(request, event, bound=form, status=400)
    try:
        services.event_act(event=event, action=action, user=user, params=form.params())
    except PlatformError as exc:
        add_platform_error(form, exc)
        fresh = _event(request, pk)
        if action not in fresh.available_actions(user):  # someone else moved it meanwhile
            return _render(request, fresh, status=exc.status, refusal=exc.message)
        return _render(request, fresh, bound=form, status=exc.status)
    messages.success(request, _("已%(action)s") % {"action": form.label})
    return redirect("events:detail", pk=event.pk)
