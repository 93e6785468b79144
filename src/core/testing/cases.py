"""The outsider-test contract. Every app lists its cases in `<app>/tests/scoping_cases.py`:

    CASES = [ScopeCase(model=Post, make=make_post, api_list="post-list", api_detail="post-detail",
                       post_payload=lambda world, target: {...}, pages=["web:post"])]
    URL_CASES = {"leadership-checks": check_leadership}   # endpoints that are not one model's rows
    EXEMPT_URLS = {"healthz": "no data"}                     # with the reason
    EXEMPT_MODELS = {}                                       # model label → reason

`web/tests/test_outsider.py` enumerates the URL resolver and the app registry and fails for any
endpoint or model that no case covers, then runs the generated tests for every case.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


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

    @property
    def label(self) -> str:
        return str(self.model._meta.label)
