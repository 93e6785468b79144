"""Pages 端口授权: the keys a user may see (issue one, see its text once), a key's call log,
subscriptions and deliveries, revoke. Rules and scoping are the services' and selectors'."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.roles import COMMAND_ROLES, has_role
from divisions.models import Division
from sharing import selectors, services
from sharing.forms import KeyIssueForm
from sharing.permissions import manages_all
from sharing.selectors import calls_for, keys_for


@login_required
def keys(request: HttpRequest) -> HttpResponse:
    form = KeyIssueForm(request.POST or None, initial={"division": getattr(request.user, "division_id", "") or ""})
    issued = None
    if request.method == "POST" and form.is_valid():
        v = form.cleaned_data
        division = Division.objects.filter(code=v["division"]).first()
        if division is None:
            form.add_error("division", "区划代码不存在")
        else:
            issued = services.apikey_create(user=request.user, name=v["name"], division=division, scopes=v["scopes"],
                                            expires_at=timezone.now() + dt.timedelta(days=v["days"]),
                                            rate_per_minute=v["rate_per_minute"], note=v["note"])
            form = KeyIssueForm(initial={"division": v["division"]})
    page = Paginator(keys_for(request.user), 50).get_page(request.GET.get("page"))
    may_issue = manages_all(request.user) or (has_role(request.user, COMMAND_ROLES)
                                              and bool(getattr(request.user, "division_id", None)))
    return render(request, "sharing/keys.html", {"page": page, "form": form, "issued": issued,
                                                 "may_issue": may_issue}, status=201 if issued else 200)


@login_required
def key_detail(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(keys_for(request.user), pk=pk)
    calls = Paginator(calls_for(request.user).filter(key=key), 100).get_page(request.GET.get("page"))
    subscriptions = selectors.subscriptions_for(request.user).filter(key=key)
    deliveries = selectors.deliveries_for(request.user).filter(subscription__key=key)[:50]
    return render(request, "sharing/key_detail.html", {"key": key, "page": calls, "subscriptions": subscriptions,
                                                       "deliveries": deliveries})


@login_required
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(keys_for(request.user), pk=pk)
    services.apikey_revoke(user=request.user, key=key)
    return redirect("sharing:key", pk=key.pk)
