"""Generated outsider tests, from the routers themselves: every method of every route on one row
answers an outsider exactly as for a row that does not exist; the browsable API's filter and form
choices and every serializer's nested rows hold only visible rows; every admin inline is scoped.
"""
from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.scoping import is_scoped_model
from core.testing.cases import ScopeCase
from core.testing.routes import Route, router_detail_routes
from core.testing.world import build_world
from web.tests.outsider import (
    CASES,
    EXEMPT_MODELS,
    api_client,
    case_for_model,
    generated_detail_routes,
    make,
    missing_value,
    snapshot,
    viewer_of,
)

pytestmark = pytest.mark.django_db


# --- every router action on one row, generated from the router itself --------------------------------


def test_every_detail_action_is_generated() -> None:
    """Each router route on one row needs a case for its viewset's model (or the model is exempt
    as global data, where no town-B row exists); declaring the URL covered is not enough."""
    missing = sorted({f"{r.name} ({r.model._meta.label if r.model else 'no queryset'})"
                      for r in router_detail_routes()
                      if case_for_model(r.model) is None
                      and not (r.model is not None and r.model._meta.label in EXEMPT_MODELS)})
    assert not missing, f"router routes on one row without a case for their model: {missing}"


def _route_variants(route: Route) -> list[dict[str, str]]:
    """Values for a route's kwargs that are not the row's lookup: one variant per literal of
    an alternation group (each verb of `act/<verb>/` is its own action)."""
    variants: list[dict[str, str]] = [{}]
    for kwarg in route.kwargs:
        samples = route.samples(kwarg)
        if samples:
            variants = [v | {kwarg: sample} for v in variants for sample in samples]
    return variants


def _detail_params() -> list[Any]:
    out = []
    for route in generated_detail_routes():
        for extra in _route_variants(route):
            for method in sorted(route.actions):
                label = "-".join([route.name, *extra.values(), method])
                out.append(pytest.param(route, method, extra, id=label))
    return out


def _lookup_value(case: ScopeCase, route: Route, target: Any, extra: dict[str, str]) -> dict[str, str]:
    kwargs = {}
    for kwarg in route.kwargs:
        if kwarg in extra:
            continue
        attr = case.lookup_attr if kwarg == case.lookup_kwarg else kwarg
        kwargs[kwarg] = str(getattr(target, attr))
    return kwargs


def _send(client: APIClient, method: str, url: str) -> Any:
    if method in ("get", "delete", "head", "options"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, {}, format="json")


@pytest.mark.parametrize(("route", "method", "extra"), _detail_params())
def test_outsider_detail_action_answers_as_for_a_missing_row(route: Route, method: str, extra: dict[str, str]) -> None:
    """Any method of any action on town B's row: the outsider's answer is a 4xx identical to the
    answer for an id that does not exist, and nothing changes."""
    case = case_for_model(route.model)
    assert case is not None
    world = build_world()
    target = make(case, world)
    kwargs = _lookup_value(case, route, target, extra)
    url = reverse(route.name, kwargs=kwargs | extra)
    if method == "get":
        assert api_client(viewer_of(case, world)).get(url).status_code == 200, f"the insider must reach {url}"
    missing_kwargs = {k: missing_value(v) for k, v in kwargs.items()}
    missing_url = reverse(route.name, kwargs=missing_kwargs | extra)
    model: Any = case.model
    before, count = snapshot(target), model._base_manager.count()
    client = api_client(world.outsider)
    theirs = _send(client, method, url)
    nowhere = _send(client, method, missing_url)
    assert 400 <= theirs.status_code < 500, (url, theirs.status_code, theirs.content[:300])
    if method == "get":
        assert theirs.status_code == 404, url
    body = theirs.content.decode(errors="replace")
    other = nowhere.content.decode(errors="replace")
    for key, value in kwargs.items():
        body = body.replace(value, "<id>")
        other = other.replace(missing_kwargs[key], "<id>")
    assert (theirs.status_code, body) == (nowhere.status_code, other), "the answer tells town B's row exists"
    assert snapshot(target) == before and model._base_manager.count() == count, "the outsider changed something"


# --- filter choices and related-row fields of the browsable API (?format=api) ----------------------------


def _list_params() -> list[Any]:
    from core.testing.routes import router_list_routes

    return [pytest.param(r, id=r.name) for r in router_list_routes()]


def _related_models_on_page(route: Route, request: Any) -> dict[str, Any]:
    """Form field name → scoped model, for the view's filterset and its serializer's related fields."""
    from django_filters.filters import QuerySetRequestMixin

    out: dict[str, Any] = {}
    view = route.viewset(request=request, format_kwarg=None, action="list", kwargs={})
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        for name, f in filterset_class.base_filters.items():
            queryset = f.queryset(request) if callable(getattr(f, "queryset", None)) else getattr(f, "queryset", None)
            if isinstance(f, QuerySetRequestMixin) and queryset is not None and is_scoped_model(queryset.model):
                out[name] = queryset.model
    try:
        serializer = view.get_serializer()
    except Exception:  # noqa: BLE001 - a view whose serializer needs more than a request renders no form
        return out
    for name, field in getattr(serializer, "fields", {}).items():
        target: Any = getattr(field, "child_relation", field)
        queryset = getattr(target, "queryset", None)
        if queryset is not None and not field.read_only and is_scoped_model(queryset.model):
            out[name] = queryset.model
    return out


def _plant_all(world: Any, models: set[Any]) -> set[Any]:
    """Makes the town-B row of every case whose model is in `models`; returns the models made."""
    from django.db import transaction

    made = set()
    for case in CASES:
        if case.model in models:
            try:
                with transaction.atomic():
                    make(case, world)
                made.add(case.model)
            except Exception:  # noqa: BLE001 - one maker may depend on rows another already made
                continue
    return made


@pytest.mark.parametrize("route", _list_params())
def test_outsider_html_api_view_offers_only_visible_rows(route: Route) -> None:
    """`<list>?format=api` as the outsider: every dropdown of the filter form and of the POST form
    offers only rows the outsider can see, with town B's rows of those models in the database."""
    import re

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    world = build_world()
    raw = APIRequestFactory().get("/")
    raw.user = world.outsider
    request = Request(raw)
    request.user = world.outsider
    fields = _related_models_on_page(route, request)
    made = _plant_all(world, set(fields.values()))
    response = api_client(world.outsider).get(reverse(route.name) + "?format=api")
    assert response.status_code == 200, response.content[:300]
    html = response.content.decode()
    for name, model in fields.items():
        visible = {str(pk) for pk in model.objects.visible_to(world.outsider).values_list("pk", flat=True)}
        if model in made:
            assert model.objects.exclude(pk__in=visible).exists(), f"no hidden {model._meta.label} to test with"
        for select in re.findall(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S):
            offered = set(re.findall(r'<option value="([^"]+)"', select)) - {""}
            assert offered <= visible, f"{route.name}: dropdown {name} offers {sorted(offered - visible)}"


@pytest.mark.parametrize("route", _list_params())
def test_nested_rows_pass_through_the_users_scope(route: Route) -> None:
    """Every to-many field (a nested `many=True` serializer or a list of ids) of every API
    serializer is read through `visible_rows` (ScopedModelSerializer), prefetched or not."""
    from rest_framework import serializers as drf

    world = build_world()
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    raw = APIRequestFactory().get("/")
    request = Request(raw)
    request.user = world.outsider
    view = route.viewset(request=request, format_kwarg=None, action="list", kwargs={})
    serializer = view.get_serializer()
    for name, field in serializer.fields.items():
        if isinstance(field, drf.ManyRelatedField | drf.ListSerializer):
            assert getattr(field, "_reads_visible_rows", False), \
                f"{type(serializer).__name__}.{name} reads rows outside the user's scope"
            assert field.get_attribute.__qualname__.startswith("_restrict_many")


# --- admin inlines ---------------------------------------------------------------------------------------


def _inline_params() -> list[Any]:
    from django.contrib import admin

    return [pytest.param(model_admin, inline, id=f"{model._meta.label}-{inline.__name__}")
            for model, model_admin in admin.site._registry.items() for inline in model_admin.inlines]


@pytest.mark.parametrize(("model_admin", "inline"), _inline_params())
def test_admin_inlines_show_and_offer_only_visible_rows(model_admin: Any, inline: Any) -> None:
    from django.contrib.admin.sites import site
    from django.forms import ModelChoiceField
    from django.test import RequestFactory

    from core.admin import ScopedInlineMixin

    assert issubclass(inline, ScopedInlineMixin), f"{inline.__name__} must derive from core.admin.ScopedInlineMixin"
    world = build_world()
    made = _plant_all(world, {inline.model} | {f.related_model for f in inline.model._meta.fields
                                                if f.is_relation and f.related_model is not None})
    request = RequestFactory().get("/admin/")
    request.user = world.outsider
    instance = inline(model_admin.model, site)
    rows = instance.get_queryset(request)
    visible = inline.model.objects.visible_to(world.outsider)
    assert set(rows.values_list("pk", flat=True)) <= set(visible.values_list("pk", flat=True))
    if inline.model in made and is_scoped_model(inline.model) and inline.model.scope_kind != "global":
        assert inline.model.objects.exclude(pk__in=visible).exists(), "no hidden row to test with"
    for db_field in inline.model._meta.fields:
        if db_field.is_relation and is_scoped_model(db_field.related_model):
            field = instance.formfield_for_foreignkey(db_field, request)
            if isinstance(field, ModelChoiceField):
                queryset: Any = field.queryset
                seen = set(db_field.related_model.objects.visible_to(world.outsider).values_list("pk", flat=True))
                assert set(queryset.values_list("pk", flat=True)) <= seen, f"{inline.__name__}.{db_field.name}"


