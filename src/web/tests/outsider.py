"""The outsider suite's shared part: every app's cases (`<app>/tests/scoping_cases.py`), the URL
resolver's named routes, and the clients and helpers the generated tests use. The tests are in
`test_outsider.py` (coverage, and each case's list, detail, POST, pages and admin) and
`test_outsider_routes.py` (generated from the routers: every action on one row, the browsable
API's choices and nested rows, admin inlines).
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from core import audit
from core.conventions import optional_module
from core.testing.cases import ScopeCase
from core.testing.routes import Route, router_detail_routes


def load_cases() -> tuple[list[ScopeCase], dict, dict, dict]:
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


CASES, URL_CASES, EXEMPT_URLS, EXEMPT_MODELS = load_cases()


def named_routes(resolver: Any = None, namespace: str = "", prefix: str = "") -> dict[str, str]:
    """Every named URL pattern outside the admin and Django's own views, as name → route."""
    resolver = resolver or get_resolver()
    found: dict[str, str] = {}
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("admin/", "i18n/")):
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.update(named_routes(pattern, ns, route))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[namespace + pattern.name] = route
    return found


def case_for_model(model: Any) -> ScopeCase | None:
    return next((c for c in CASES if c.model is model), None)


def generated_detail_routes() -> list[Route]:
    """Router routes on one row whose model has a case: each is tested by method below."""
    return [r for r in router_detail_routes() if case_for_model(r.model) is not None]


def covered_urls() -> set[str]:
    names: set[str] = set(URL_CASES) | set(EXEMPT_URLS)
    for case in CASES:
        names.update(n for n in (case.api_list, case.api_detail) if n)
        names.update(case.pages)
        names.update(case.covers_urls)
    names.update(r.name for r in generated_detail_routes())
    return names



def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def session_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def lookup(case: ScopeCase, target: Any) -> str:
    return str(getattr(target, case.lookup_attr))


def ids_of(payload: dict) -> set[str]:
    rows = payload.get("results", payload if isinstance(payload, list) else [])
    out = set()
    for row in rows:
        for key in ("id", "code", "pk"):
            if key in row:
                out.add(str(row[key]))
    return out


def make(case: ScopeCase, world: Any) -> Any:
    with audit.acting_as(world.users[case.viewer], source="test"):
        return case.make(world)


def viewer_of(case: ScopeCase, world: Any) -> Any:
    return world.users[case.viewer]


def snapshot(target: Any) -> dict:
    fresh = type(target)._base_manager.filter(pk=target.pk).first()
    return audit.snapshot(fresh) if fresh is not None else {}


def missing_value(value: str) -> str:
    """A lookup value of the same shape that names no row."""
    return "9" * max(len(value), 9) if value.isdigit() else f"{value}zz"
