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


def _covered_urls() -> set[str]:
    names: set[str] = set(URL_CASES) | set(EXEMPT_URLS)
    for case in CASES:
        names.update(n for n in (case.api_list, case.api_detail) if n)
        names.update(case.pages)
        names.update(case.covers_urls)
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
    with audit.acting_as(world.insider, source="test"):
        return case.make(world)


def _snapshot(target: Any) -> dict:
    fresh = type(target)._base_manager.filter(pk=target.pk).first()
    return audit.snapshot(fresh) if fresh is not None else {}


@pytest.mark.parametrize("case", [c for c in CASES if c.api_list], ids=lambda c: c.label)
def test_outsider_list_holds_nothing_of_town_b(case: ScopeCase) -> None:
    world = build_world()
    target = _make(case, world)
    url = reverse(case.api_list) + "?page_size=2000"
    assert _lookup(case, target) in _ids(_api(world.insider).get(url).json()), "insider must see the row"
    response = _api(world.outsider).get(url)
    assert response.status_code == 200, response.content
    assert _lookup(case, target) not in _ids(response.json())


@pytest.mark.parametrize("case", [c for c in CASES if c.api_detail], ids=lambda c: c.label)
def test_outsider_detail_is_404_for_every_method(case: ScopeCase) -> None:
    world = build_world()
    target = _make(case, world)
    url = reverse(case.api_detail, kwargs={case.lookup_kwarg: _lookup(case, target)})
    assert _api(world.insider).get(url).status_code == 200, "insider must see the row"
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
        assert _session(world.insider).get(url).status_code == 200, f"insider must see {url}"
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
    insider_list = _session(world.insider).get(_admin_url(model, "changelist"))
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
