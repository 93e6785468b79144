"""The published town lists (no login)."""

from typing import Any

from django.http import Http404
from django.shortcuts import render

from catalog import excel, forms, selectors
from catalog.models import ItemList
from catalog.views._common import _any_contains, _as_of, _page, _status
from divisions.models import Division


def public_index(request: Any) -> Any:
    """Published town lists (公开): every town that has adopted its county's lists."""
    form = forms.PublicSearchForm(request.GET)
    form.is_valid()
    towns = Division.objects.filter(level="town", item_lists__isnull=False).distinct().select_related("parent") \
        .order_by("code")
    q = (form.cleaned_data.get("q") or "").strip()
    if q:
        towns = towns.filter(_any_contains("name", q))
    return render(request, "catalog/public_index.html", {"form": form, "page": _page(request, towns, 100), "q": q},
                  status=_status(form))


def _public_town(code: str) -> Division:
    town = Division.objects.filter(code=code, level="town").first()
    if town is None or not ItemList.objects.filter(division=town).exists():
        raise Http404("该乡镇（街道）尚未公布清单")
    return town


def public_town(request: Any, code: str) -> Any:
    """A town's approval-service and enforcement lists in force (public page, no login)."""
    town = _public_town(code)
    form = forms.AsOfForm(request.GET)
    as_of = form.as_of_or_today()
    lists = ItemList.objects.filter(division=town).select_related("base").prefetch_related("versions", "base__versions")
    states = [selectors.list_state(lst, as_of) for lst in lists]
    return render(request, "catalog/public_town.html", {"form": form, "town": town, "states": states, "as_of": as_of},
                  status=_status(form))


def public_town_export(request: Any, code: str, kind: str) -> Any:
    town = _public_town(code)
    item_list = ItemList.objects.filter(division=town, kind=kind).first()
    if item_list is None:
        raise Http404("清单不存在")
    state = selectors.list_state(item_list, _as_of(request))
    return excel.export_response(state)
