"""Matters and their responsibility per town, and the gap report."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from catalog import forms, selectors, services
from catalog.models import Matter, Responsibility
from catalog.views._common import _above_town, _any_contains, _page, _status, _wants_xlsx, _xlsx
from core.errors import PlatformError
from core.forms import add_platform_error
from core.roles import has_role
from divisions.models import Division
from org.models import Unit


def _towns(user: Any) -> Any:
    return Division.objects.visible_to(user).filter(level="town").order_by("code")


@login_required
def matters(request: Any) -> Any:
    """Matters with, for the chosen town, the main and cooperating units in force on the date."""
    user = request.user
    towns = _towns(user)
    form = forms.MatterFilterForm(request.GET, towns=towns)
    form.is_valid()
    if "town" in form.errors:
        raise Http404("乡镇不存在或不在您的管辖范围内")
    data = form.cleaned_data
    town = data.get("town") or towns.first()
    town_code = town.code if town else ""
    qs = Matter.objects.select_related("item").order_by("code")
    q = (data.get("q") or "").strip()
    if q:
        qs = qs.filter(_any_contains("name", q) | _any_contains("code", q))
    only_gaps = bool(data.get("gaps"))
    as_of = form.as_of_or_today()
    page = _page(request, qs)
    rows = [(m, selectors.responsibility_for(town_code, m.code, as_of).seen_by(user) if town_code else None)
            for m in page]
    if only_gaps:
        rows = [(m, a) for m, a in rows if a is None or a.gap]
    return render(request, "catalog/matters.html", {"form": form, "page": page, "rows": rows, "town": town_code,
                                                    "q": q, "as_of": as_of, "only_gaps": only_gaps},
                  status=_status(form))


@login_required
def responsibility_edit(request: Any, town: str, matter: str) -> Any:
    """One matter in one town: the answer over time, and (reform office above the town) a new division of labour."""
    user = request.user
    division = get_object_or_404(_towns(user), code=town)
    matter_obj = get_object_or_404(Matter, code=matter)
    writable = Division.objects.writable_by(user).filter(code=town).exists() and _above_town(user) \
        and has_role(user, services.REFORM)
    candidates = Unit.objects.visible_to(user).filter(division_id__in=[town, town[:6] + "000000"]) \
        .exclude(kind="stationed").order_by("-division_id", "order")
    answer = selectors.responsibility_for(town, matter).seen_by(user)
    form = None
    if writable:
        form = forms.ResponsibilityForm(candidates=candidates, initial={
            "main_unit": answer.main.id if answer.main else None, "valid_from": timezone.localdate()})
    if request.method == "POST":
        if not writable:
            raise Http404("无权调整该乡镇的职责分工")
        form = forms.ResponsibilityForm(request.POST, candidates=candidates)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.responsibility_set(town=division, matter=matter_obj, main_unit=d["main_unit"],
                                            cooperating=list(d["cooperating_units"]), valid_from=d["valid_from"],
                                            note=d["note"], user=user)
            except PlatformError as exc:
                add_platform_error(form, exc)
            else:
                messages.success(request, "职责分工已登记")
                return HttpResponseRedirect(reverse("catalog:responsibility", kwargs={"town": town, "matter": matter}))
    rows = Responsibility.objects.visible_to(user).filter(division=division, matter=matter_obj) \
        .select_related("main_unit", "change").prefetch_visible(user, "cooperating_units").order_by("-valid_from")
    return render(request, "catalog/responsibility.html", {
        "town": division, "matter": matter_obj, "rows": rows, "writable": writable, "form": form,
        "answer": answer, "today": timezone.localdate()}, status=_status(form))


@login_required
def gaps(request: Any) -> Any:
    towns = _towns(request.user)
    form = forms.GapFilterForm(request.GET, towns=towns)
    form.is_valid()
    if "town" in form.errors:
        raise Http404("乡镇不存在或不在您的管辖范围内")
    town = form.cleaned_data.get("town")
    found = selectors.gaps(towns.filter(code=town.code) if town else towns, form.cleaned_data.get("matter") or None,
                           form.as_of_or_today())
    if _wants_xlsx(request, [str(e) for errs in form.errors.values() for e in errs]):
        return _xlsx("责任空白.xlsx", "责任空白", ["乡镇（街道）", "区划代码", "职责编码", "职责名称", "问题"],
                     ([g.town_name, g.town, g.matter, g.matter_name, g.reason] for g in found))
    return render(request, "catalog/gaps.html", {"form": form, "page": _page(request, found, 100),
                                                 "count": len(found)}, status=_status(form))
