"""Generated outsider tests: a user of town A gets nothing of town B, anywhere.

The URL resolver and the app registry are enumerated; any endpoint or platform model that no
case in `<app>/tests/scoping_cases.py` covers (or exempts, with a reason) fails the suite.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from core import audit
from core.conventions import optional_module
from core.scoping import is_scoped_model
from core.testing.cases import ScopeCase
from core.testing.routes import Route, router_detail_routes
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _load_cases() -> tuple[list[ScopeCase], dict, dict, dict]:
    cases: list[ScopeCase] = []
    url_cases: dict = {}
    exempt_urls: dict = {}
    exempt_models: dict = {}
    for app in settings.PLATFORM_APPS:
        module = optional_module(app, "tests.scoping_cases")
        if module is None:
            continue
        cases += getattr(module, "CASES", [])
        url_cases.update(getattr(module, "URL_CASES", {}))
        exempt_urls.update(getattr(module, "EXEMPT_URLS", {}))
        exempt_models.update(getattr(module, "EXEMPT_MODELS", {}))
    return cases, url_cases, exempt_urls, exempt_models


CASES, URL_CASES, EXEMPT_URLS, EXEMPT_MODELS = _load_cases()


def _named_routes(resolver: Any = None, namespace: str = "", prefix: str = "") -> dict[str, str]:
    """Every named URL pattern outside the admin and Django's own views, as name → route."""
    resolver = resolver or get_resolver()
    found: dict[str, str] = {}
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("admin/", "i18n/")):
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.update(_named_routes(pattern, ns, route))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[namespace + pattern.name] = route
    return found


def _case_for_model(model: Any) -> ScopeCase | None:
    return next((c for c in CASES if c.model is model), None)


def _generated_detail_routes() -> list[Route]:
    """Router routes on one row whose model has a case: each is tested by method below."""
    return [r for r in router_detail_routes() if _case_for_model(r.model) is not None]


def _covered_urls() -> set[str]:
    names: set[str] = set(URL_CASES) | set(EXEMPT_URLS)
    for case in CASES:
        names.update(n for n in (case.api_list, case.api_detail) if n)
        names.update(case.pages)
        names.update(case.covers_urls)
    names.update(r.name for r in _generated_detail_routes())
    return names


def test_every_endpoint_has_an_outsider_test() -> None:
    missing = sorted(set(_named_routes()) - _covered_urls())
    assert not missing, f"endpoints without an outsider test (add a ScopeCase, URL_CASES or EXEMPT_URLS): {missing}"


def test_every_model_is_scoped_and_has_an_outsider_test() -> None:
    covered = {case.label for case in CASES} | set(EXEMPT_MODELS)
    problems = []
    for model in apps.get_models():
        if model._meta.app_label not in settings.PLATFORM_APPS:
            continue
        if not is_scoped_model(model) and model._meta.label not in EXEMPT_MODELS:
            problems.append(f"{model._meta.label} is not a ScopedModel")
        if model._meta.label not in covered:
            problems.append(f"{model._meta.label} has no outsider test")
    assert not problems, problems


def test_no_endpoint_is_covered_by_declaration_alone() -> None:
    """`covers_urls` may name only routes a generated test reaches: a router route on one row
    (every method tested above) or a route without arguments (crawled by test_crawl_planted);
    anything else needs a URL_CASES test of its own."""
    from core.testing.routes import all_routes

    generated = {r.name for r in _generated_detail_routes()}
    crawled = {r.name for r in all_routes() if not r.kwargs}
    declared = {name for case in CASES for name in case.covers_urls}
    alone = sorted(declared - generated - crawled - set(URL_CASES))
    assert not alone, f"covered by declaration only (write a URL_CASES test): {alone}"


def test_cases_reference_real_urls() -> None:
    routes = _named_routes()
    unknown = sorted(_covered_urls() - set(routes))
    assert not unknown, f"cases name URLs that do not exist: {unknown}"


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _session(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _lookup(case: ScopeCase, target: Any) -> str:
    return str(getattr(target, case.lookup_attr))


def _ids(payload: dict) -> set[str]:
    rows = payload.get("results", payload if isinstance(payload, list) else [])
    out = set()
    for row in rows:
        for key in ("id", "code", "pk"):
            if key in row:
                out.add(str(row[key]))
    return out


def _make(case: ScopeCase, world: Any) -> Any:
    with audit.acting_as(world.users[case.viewer], source="test"):
        return case.make(world)


def _viewer(case: ScopeCase, world: Any) -> Any:
    return world.users[case.viewer]


def _snapshot(target: Any) -> dict:
    fresh = type(target)._base_manager.filter(pk=target.pk).first()
    return audit.snapshot(fresh) if fresh is not None else {}


@pytest.mark.parametrize("case", [c for c in CASES if c.api_list], ids=lambda c: c.label)
def test_outsider_list_holds_nothing_of_town_b(case: ScopeCase) -> None:
    world = build_world()
    target = _make(case, world)
    url = reverse(case.api_list) + "?page_size=2000"
    assert _lookup(case, target) in _ids(_api(_viewer(case, world)).get(url).json()), "insider must see the row"
    response = _api(world.outsider).get(url)
    assert response.status_code == 200, response.content
    assert _lookup(case, target) not in _ids(response.json())


@pytest.mark.parametrize("case", [c for c in CASES if c.api_detail], ids=lambda c: c.label)
def test_outsider_detail_is_404_for_every_method(case: ScopeCase) -> None:
    world = build_world()
    target = _make(case, world)
    url = reverse(case.api_detail, kwargs={case.lookup_kwarg: _lookup(case, target)})
    assert _api(_viewer(case, world)).get(url).status_code == 200, "insider must see the row"
    before = _snapshot(target)
    client = _api(world.outsider)
    assert client.get(url).status_code == 404
    # Writable endpoints must answer 404 (the row does not exist for them); read-only ones may
    # also refuse the method, but nothing may change either way.
    expected = {404} if case.writable else {403, 404, 405}
    body = json.dumps({"name": "改名", "reason": "x"})
    assert client.put(url, body, content_type="application/json").status_code in expected
    assert client.patch(url, body, content_type="application/json").status_code in expected
    assert client.delete(url).status_code in expected
    assert _snapshot(target) == before, "an outsider's write changed the row"


@pytest.mark.parametrize("case", [c for c in CASES if c.post_payload], ids=lambda c: c.label)
def test_outsider_post_pointing_at_town_b_is_refused(case: ScopeCase) -> None:
    world = build_world()
    target = _make(case, world)
    assert case.post_payload is not None
    payload = case.post_payload(world, target)
    model: Any = case.model
    count = model._base_manager.count()
    response = _api(world.outsider).post(reverse(case.api_list), payload, format="json")
    assert 400 <= response.status_code < 500, response.content
    assert "error" in response.json()
    assert model._base_manager.count() == count, "the refused POST created a row"


@pytest.mark.parametrize("case", [c for c in CASES if c.pages], ids=lambda c: c.label)
def test_outsider_pages_are_404(case: ScopeCase) -> None:
    world = build_world()
    target = _make(case, world)
    for name in case.pages:
        url = reverse(name, kwargs={case.page_kwarg or case.lookup_kwarg: _lookup(case, target)})
        assert _session(_viewer(case, world)).get(url).status_code == 200, f"insider must see {url}"
        assert _session(world.outsider).get(url).status_code == 404, url


def _admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("case", [c for c in CASES if c.admin], ids=lambda c: c.label)
def test_outsider_admin_shows_nothing_of_town_b(case: ScopeCase) -> None:
    from django.contrib.admin.filters import RelatedFieldListFilter
    from django.forms import ModelChoiceField

    world = build_world()
    target = _make(case, world)
    model = case.model
    insider_list = _session(_viewer(case, world)).get(_admin_url(model, "changelist"))
    assert insider_list.status_code == 200
    assert target.pk in {o.pk for o in insider_list.context["cl"].result_list}, "insider must see the row"

    client = _session(world.outsider)
    response = client.get(_admin_url(model, "changelist"))
    assert response.status_code == 200
    cl = response.context["cl"]
    assert target.pk not in {o.pk for o in cl.queryset}
    for spec in cl.filter_specs:
        if isinstance(spec, RelatedFieldListFilter):
            related: Any = spec.field.related_model
            if is_scoped_model(related):
                visible = set(related.objects.visible_to(world.outsider).values_list("pk", flat=True))
                assert {pk for pk, _ in spec.lookup_choices} <= visible, f"filter {spec.field_path} leaks"
    assert client.get(_admin_url(model, "change", target.pk)).status_code in (302, 403, 404)
    add = client.get(_admin_url(model, "add"))
    if add.status_code == 200 and add.context and "adminform" in add.context:
        for name, field in add.context["adminform"].form.fields.items():
            queryset: Any = getattr(field, "queryset", None)
            if isinstance(field, ModelChoiceField) and queryset is not None and is_scoped_model(queryset.model):
                visible = set(queryset.model.objects.visible_to(world.outsider).values_list("pk", flat=True))
                assert set(queryset.values_list("pk", flat=True)) <= visible, f"choice {name} leaks"


@pytest.mark.parametrize("name", sorted(URL_CASES), ids=str)
def test_outsider_custom_endpoint(name: str) -> None:
    world = build_world()
    URL_CASES[name](world, _api(world.outsider), _session(world.outsider), _api(world.insider))


# --- every router action on one row, generated from the router itself --------------------------------


def test_every_detail_action_is_generated() -> None:
    """Each router route on one row needs a case for its viewset's model (or the model is exempt
    as global data, where no town-B row exists); declaring the URL covered is not enough."""
    missing = sorted({f"{r.name} ({r.model._meta.label if r.model else 'no queryset'})"
                      for r in router_detail_routes()
                      if _case_for_model(r.model) is None
                      and not (r.model is not None and r.model._meta.label in EXEMPT_MODELS)})
    assert not missing, f"router routes on one row without a case for their model: {missing}"


def _missing_value(value: str) -> str:
    """A lookup value of the same shape that names no row."""
    return "9" * max(len(value), 9) if value.isdigit() else f"{value}zz"


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
    for route in _generated_detail_routes():
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
    case = _case_for_model(route.model)
    assert case is not None
    world = build_world()
    target = _make(case, world)
    kwargs = _lookup_value(case, route, target, extra)
    url = reverse(route.name, kwargs=kwargs | extra)
    if method == "get":
        assert _api(_viewer(case, world)).get(url).status_code == 200, f"the insider must reach {url}"
    missing_kwargs = {k: _missing_value(v) for k, v in kwargs.items()}
    missing_url = reverse(route.name, kwargs=missing_kwargs | extra)
    model: Any = case.model
    before, count = _snapshot(target), model._base_manager.count()
    client = _api(world.outsider)
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
    assert _snapshot(target) == before and model._base_manager.count() == count, "the outsider changed something"


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
                    _make(case, world)
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
    response = _api(world.outsider).get(reverse(route.name) + "?format=api")
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


# --- a POST pointing at town B's rows answers as one pointing at rows that do not exist ----------------


def _post_fields(case: ScopeCase, world: Any) -> dict[str, Any]:
    """Field name → related model, from the serializer the list view validates a POST with."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from core.testing.routes import router_list_routes

    route = next((r for r in router_list_routes() if r.name == case.api_list), None)
    if route is None:
        return {}
    request = Request(APIRequestFactory().post("/"))
    request.user = world.outsider
    view = route.viewset(request=request, format_kwarg=None, action="create", kwargs={})
    out = {}
    for name, field in view.get_serializer().fields.items():
        queryset = getattr(getattr(field, "child_relation", field), "queryset", None)
        if queryset is not None:
            out[name] = queryset.model
    return out


def _points_at_b(key: str, value: Any, world: Any, models: dict[str, Any]) -> bool:
    """Does this payload value name a row the outsider cannot see (a row of town B)?"""
    if isinstance(value, bool):
        return False
    model = models.get(key)
    if model is not None and isinstance(value, int | str) and str(value).isdigit():
        return not model.objects.visible_to(world.outsider).filter(pk=value).exists() and \
            model._base_manager.filter(pk=value).exists()
    return isinstance(value, str) and len(value) == 12 and value.isdigit() and value.startswith(world.town_b.code[:9])


def _missing_like(value: Any) -> Any:
    """An id or division code of the same shape (and level) that names nothing."""
    if isinstance(value, int):
        return 987654321
    if len(value) == 12 and value.isdigit():
        return value[:6] + "999" + value[9:]  # a town (or village) of the same county that does not exist
    return _missing_value(value)


def _blank_ids(text: str, values: list[str]) -> str:
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "<id>")
    return text


@pytest.mark.parametrize("case", [c for c in CASES if c.post_payload], ids=lambda c: c.label)
def test_outsider_post_answers_as_if_town_bs_rows_did_not_exist(case: ScopeCase) -> None:
    """Validation names no row of town B: the refusal of a POST pointing at B's rows equals the
    refusal of the same POST pointing at ids that do not exist (status and message)."""
    world = build_world()
    target = _make(case, world)
    assert case.post_payload is not None
    payload = case.post_payload(world, target)
    models = _post_fields(case, world)
    pointed = {k: v for k, v in payload.items() if _points_at_b(k, v, world, models)}
    if not pointed:
        pytest.skip("the payload points at town B by a value that is not an id (covered by the 4xx test)")
    missing = {k: _missing_like(v) for k, v in pointed.items()}
    client = _api(world.outsider)
    theirs = client.post(reverse(case.api_list), payload, format="json")
    nowhere = client.post(reverse(case.api_list), payload | missing, format="json")
    assert 400 <= theirs.status_code < 500
    assert theirs.status_code == nowhere.status_code, (theirs.content, nowhere.content)
    assert _blank_ids(theirs.content.decode(), [str(v) for v in pointed.values()]) == \
        _blank_ids(nowhere.content.decode(), [str(v) for v in missing.values()])
