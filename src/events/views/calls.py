"""Page: 乡呼县应 inbox (`/events/calls/`) — the town calls of the user's county department waiting
for 报到 (report in) and 答复 (answer), with a form for each; recent answers below.

Both steps are rows of the lifecycle table (`report-in`, `answer`, actor "called") and go through
`events.services.event_act` like every other step; a refusal re-renders the inbox with the message
beside the row's field and the typed answer kept.
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
from core.roles import Role
from events import selectors, services
from events.forms import CallAnswerForm

CALL_READERS = (Role.DEPT_HANDLER, Role.COUNTY_COMMAND, Role.CITY_COMMAND, Role.LEADER)
RECENT = 50


def _render(request: HttpRequest, *, bound: dict[int, CallAnswerForm] | None = None,
            status: int = 200) -> HttpResponse:
    user = request.user
    rows = list(selectors.calls_for(user, waiting=True)[:200])
    forms = bound or {}
    unit_id = getattr(user, "unit_id", None)
    waiting = [{"row": r, "answer_form": forms.get(r.pk) or CallAnswerForm(prefix=f"c{r.pk}"),
                "may_act": bool(unit_id) and r.unit_id == unit_id} for r in rows]
    context: dict[str, Any] = {"waiting": waiting, "answered": selectors.calls_for(user, waiting=False)[:RECENT]}
    return render(request, "events/calls.html", context, status=status)


@login_required
def call_inbox(request: HttpRequest) -> HttpResponse:
    return _render(request)


@login_required
@require_POST
def call_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """`step` is `report-in` or `answer` on the call row `pk` of the user's own department."""
    if step not in ("report-in", "answer"):
        raise Http404
    row = get_object_or_404(selectors.calls_for(request.user, waiting=True), pk=pk)
    form = CallAnswerForm(request.POST, prefix=f"c{row.pk}") if step == "answer" else None
    if form is not None and not form.is_valid():
        return _render(request, bound={row.pk: form}, status=400)
    params = services.Params(note=form.cleaned_data["note"] if form is not None else "")
    try:
        services.event_act(event=row.call.event_id, action=step, user=request.user, params=params)
    except PlatformError as exc:
        if form is None:
            messages.error(request, exc.message)
            return redirect("events:calls")
        add_platform_error(form, exc)
        return _render(request, bound={row.pk: form}, status=exc.status)
    messages.success(request, _("已报到") if step == "report-in" else _("已答复"))
    return redirect("events:calls")

