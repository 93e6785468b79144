"""Restricted prefetches (core.scoping.RestrictedPrefetch): related rows a user cannot see are not
loaded at all, and reading the prefetched rows costs no query per row."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import Admission, ItemList, ListVersion
from catalog.tests.scoping_cases import make_change
from core import audit
from core.testing.world import build_world
from org.models import Unit

pytestmark = pytest.mark.django_db


def test_prefetch_visible_loads_only_the_users_rows() -> None:
    world = build_world()
    dept = Unit.objects.create(division_id="321002000000", name="广陵区城市管理局", kind="county_department")
    admission = Admission.objects.create(division_id="321002000000", code="ZR321002-2026-0001", department=dept,
                                         title="交办", legal_basis="x", state="approved")
    admission.towns.set([world.town_a.code, world.town_b.code])
    seen = Admission.objects.visible_to(world.outsider).prefetch_visible(world.outsider, "towns").get()
    assert [t.code for t in seen.towns.all()] == [world.town_a.code]
    county = Admission.objects.prefetch_visible(world.users["county-user"], "towns").get()
    assert sorted(t.code for t in county.towns.all()) == [world.town_a.code, world.town_b.code]


def _add_changes_with_versions(world: Any, first: int, n: int) -> None:
    with audit.acting_as(world.insider, source="test"):
        item_list = ItemList.objects.get_or_create(division=world.town_b, kind="approval")[0]
        for i in range(first, first + n):
            change = make_change(world)
            version = ListVersion.objects.create(item_list=item_list, number=i + 1, effective_date=dt.date(2026, 1, 1),
                                                 source="adopt", reason="x", entries=[])
            change.list_versions.add(version)


def test_nested_rows_of_a_list_cost_the_same_queries_for_one_row_or_many() -> None:
    """ListVersion is scoped through its list (item_list__division__code): judging prefetched
    versions row by row would read each one's list; the restricted prefetch makes that needless."""
    world = build_world()
    api = APIClient()
    api.force_authenticate(world.insider)
    counts = []
    for first, n in ((0, 1), (1, 5)):
        _add_changes_with_versions(world, first, n)
        with CaptureQueriesContext(connection) as ctx:
            body = api.get("/api/catalog/changes/").json()
        assert body["count"] == first + n and all(len(r["list_versions"]) == 1 for r in body["results"])
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
