"""Page 消息 (inbox): the user's own and their unit's notifications; mark read, mark all read."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import NotFound
from notify import selectors, services
from notify.filtersets import NotificationFilterSet


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    base = selectors.inbox_for(request.user).select_related("unit")
    filterset = NotificationFilterSet(request.GET, queryset=base, request=request)
    qs = filterset.qs if filterset.is_valid() else base.none()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {"filter": filterset, "page": page,
                                                 "counts": selectors.unread_counts(request.user)})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = services.notification_mark_read(user=request.user, notification_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    target = request.POST.get("next") or ""
    if request.POST.get("open") and row.link and url_has_allowed_host_and_scheme(row.link, None):
        return redirect(row.link)
    if target and url_has_allowed_host_and_scheme(target, None):
        return redirect(target)
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读") % {"n": count})
    return redirect("notify:inbox")
