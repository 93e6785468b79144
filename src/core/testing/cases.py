"""The outsider-test contract. Every app lists its cases in `<app>/tests/scoping_cases.py`:

    CASES = [ScopeCase(model=Post, make=make_post, api_list="post-list", api_detail="post-detail",
                       post_payload=lambda world, target: {...}, pages=["web:post"])]
    URL_CASES = {"leadership-checks": check_leadership}   # endpoints that are not one model's rows
    EXEMPT_URLS = {"healthz": "no data"}                     # with the reason
    EXEMPT_MODELS = {}                                       # model label → reason

`web/tests/test_outsider.py` (and `test_outsider_routes.py`) enumerates the URL resolver and the app registry and fails for any
endpoint or model that no case covers, then runs the generated tests for every case. Router
routes on one row (retrieve, update, destroy and every `@action(detail=True)`) are tested from
the router itself (`core.testing.routes`): each needs a case for the viewset's model, whose row
the outsider must not reach by any method — the answer must equal the one for an id that does
not exist. Naming a URL in `covers_urls` does not make it covered without such a test.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ScopeCase:
    model: Any
    # Creates one row inside town B (world.town_b) and returns it.
    make: Callable[[Any], Any]
    api_list: str | None = None          # URL name of the API list (also the POST target)
    api_detail: str | None = None        # URL name of the API detail
    lookup_kwarg: str = "pk"             # the detail URL kwarg name
    lookup_attr: str = "pk"              # the attribute that fills it
    writable: bool = True                # the detail takes PUT, PATCH and DELETE
    # A POST body for api_list that points at town B's objects (built from the made target).
    post_payload: Callable[[Any, Any], dict] | None = None
    # Page URL names whose single kwarg is the object's lookup; extra URL names covered by this case.
    pages: list[str] = field(default_factory=list)
    page_kwarg: str | None = None
    covers_urls: list[str] = field(default_factory=list)
    admin: bool = True                   # registered in the admin
    # The world user who does see the made row (town B's "insider"; e.g. "city-user" for a row
    # of the other county such as an admission).
    viewer: str = "insider"

    @property
    def label(self) -> str:
        return str(self.model._meta.label)
