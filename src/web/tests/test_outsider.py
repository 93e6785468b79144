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
from django.urls import reverse

from core.scoping import is_scoped_model
from core.testing.cases import ScopeCase
from core.testing.world import build_world
from web.tests.outsider import (
    CASES,
    EXEMPT_MODELS,
    URL_CASES,
    api_client,
    covered_urls,
    generated_detail_routes,
    ids_of,
    lookup,
    make,
    missing_value,
    named_routes,
    session_client,
    snapshot,
    viewer_of,
)

pytestmark = pytest.mark.django_db


def test_every_endpoint_has_an_outsider_test() -> None:
    missing = sorted(set(named_routes()) - covered_urls())
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

    generated = {r.name for r in generated_detail_routes()}
    crawled = {r.name for r in all_routes() if not r.kwargs}
    declared = {name for case in CASES for name in case.covers_urls}
    alone = sorted(declared - generated - crawled - set(URL_CASES))
    assert not alone, f"covered by declaration only (write a URL_CASES test): {alone}"


def test_cases_reference_real_urls() -> None:
    routes = named_routes()
    unknown = sorted(covered_urls() - set(routes))
    assert not unknown, f"cases name URLs that do not exist: {unknown}"


@pytest.mark.parametrize("case", [c for c in CASES if c.api_list], ids=lambda c: c.label)
def test_outsider_list_holds_nothing_of_town_b(case: ScopeCase) -> None:
    world = build_world()
    target = make(case, world)
    url = reverse(case.api_list) + "?page_size=2000"
    assert lookup(case, target) in ids_of(api_client(viewer_of(case, world)).get(url).json()), "insider must see the row"
    response = api_client(world.outsider).get(url)
    assert response.status_code == 200, response.content
    assert lookup(case, target) not in ids_of(response.json())


@pytest.mark.parametrize("case", [c for c in CASES if c.api_detail], ids=lambda c: c.label)
def test_outsider_detail_is_404_for_every_method(case: ScopeCase) -> None:
    world = build_world()
    target = make(case, world)
    url = reverse(case.api_detail, kwargs={case.lookup_kwarg: lookup(case, target)})
    assert api_client(viewer_of(case, world)).get(url).status_code == 200, "insider must see the row"
    before = snapshot(target)
    client = api_client(world.outsider)
    assert client.get(url).status_code == 404
    # Writable endpoints must answer 404 (the row does not exist for them); read-only ones may
    # also refuse the method, but nothing may change either way.
    expected = {404} if case.writable else {403, 404, 405}
    body = json.dumps({"name": "改名", "reason": "x"})
    assert client.put(url, body, content_type="application/json").status_code in expected
    assert client.patch(url, body, content_type="application/json").status_code in expected
    assert client.delete(url).status_code in expected
    assert snapshot(target) == before, "an outsider's write changed the row"


@pytest.mark.parametrize("case", [c for c in CASES if c.post_payload], ids=lambda c: c.label)
def test_outsider_post_pointing_at_town_b_is_refused(case: ScopeCase) -> None:
    world = build_world()
    target = make(case, world)
    assert case.post_payload is not None
    payload = case.post_payload(world, target)
    model: Any = case.model
    count = model._base_manager.count()
    response = api_client(world.outsider).post(reverse(case.api_list), payload, format="json")
    assert 400 <= response.status_code < 500, response.content
    assert "error" in response.json()
    assert model._base_manager.count() == count, "the refused POST created a row"


@pytest.mark.parametrize("case", [c for c in CASES if c.pages], ids=lambda c: c.label)
def test_outsider_pages_are_404(case: ScopeCase) -> None:
    world = build_world()
    target = make(case, world)
    for name in case.pages:
        url = reverse(name, kwargs={case.page_kwarg or case.lookup_kwarg: lookup(case, target)})
        assert session_client(viewer_of(case, world)).get(url).status_code == 200, f"insider must see {url}"
        assert session_client(world.outsider).get(url).status_code == 404, url


def _admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("case", [c for c in CASES if c.admin], ids=lambda c: c.label)
def test_outsider_admin_shows_nothing_of_town_b(case: ScopeCase) -> None:
    from django.contrib.admin.filters import RelatedFieldListFilter
    from django.forms import ModelChoiceField

    world = build_world()
    target = make(case, world)
    model = case.model
    insider_list = session_client(viewer_of(case, world)).get(_admin_url(model, "changelist"))
    assert insider_list.status_code == 200
    assert target.pk in {o.pk for o in insider_list.context["cl"].result_list}, "insider must see the row"

    client = session_client(world.outsider)
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
    URL_CASES[name](world, api_client(world.outsider), session_client(world.outsider), api_client(world.insider))


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
    return missing_value(value)


def _blank_ids(text: str, values: list[str]) -> str:
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "<id>")
    return text


@pytest.mark.parametrize("case", [c for c in CASES if c.post_payload], ids=lambda c: c.label)
def test_outsider_post_answers_as_if_town_bs_rows_did_not_exist(case: ScopeCase) -> None:
    """Validation names no row of town B: the refusal of a POST pointing at B's rows equals the
    refusal of the same POST pointing at ids that do not exist (status and message)."""
    world = build_world()
    target = make(case, world)
    assert case.post_payload is not None
    payload = case.post_payload(world, target)
    models = _post_fields(case, world)
    pointed = {k: v for k, v in payload.items() if _points_at_b(k, v, world, models)}
    if not pointed:
        pytest.skip("the payload points at town B by a value that is not an id (covered by the 4xx test)")
    missing = {k: _missing_like(v) for k, v in pointed.items()}
    client = api_client(world.outsider)
    theirs = client.post(reverse(case.api_list), payload, format="json")
    nowhere = client.post(reverse(case.api_list), payload | missing, format="json")
    assert 400 <= theirs.status_code < 500
    assert theirs.status_code == nowhere.status_code, (theirs.content, nowhere.content)
    assert _blank_ids(theirs.content.decode(), [str(v) for v in pointed.values()]) == \
        _blank_ids(nowhere.content.decode(), [str(v) for v in missing.values()])
