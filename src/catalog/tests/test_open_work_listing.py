"""A return lists the open work on the item in the town automatically (through catalog.hooks)."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from catalog import hooks, services
from catalog.tests.factory import build_catalog, evidence_upload
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():  # noqa: ANN201
    calls = []

    def fake(item_code, division_code):  # noqa: ANN001, ANN202
        calls.append((item_code, division_code))
        if item_code == "CG-CF-001" and division_code.startswith("321002106"):
            return [{"kind": "case", "id": 7, "number": "BJ-0007", "title": "占道堆物案", "current_step": "调查取证",
                     "due_at": None, "overdue": True, "url": "/flows/cases/7/"}]
        return []

    hooks.register_open_work(fake)
    yield calls
    hooks._providers.remove(fake)


def test_return_records_and_shows_open_cases(provider):
    cat = build_catalog(build_world())
    today = timezone.localdate()
    change = services.change_file(
        kind="return", town=cat.world.town_b, item=cat.items["CG-CF-001"], reason_category="volume", reason="办件少",
        evidence="统计表", evidence_files=[evidence_upload()], legal_reviewer="司法所", legal_opinion="合法", legal_review_date=today,
        effective_date=today + dt.timedelta(days=20), handover_plan="移交县局", user=cat.town_user)
    assert change.open_work[0]["number"] == "BJ-0007"
    assert ("CG-CF-001", "321002106000") in provider
    client = Client()
    client.force_login(cat.town_user)
    page = client.get(f"/catalog/changes/{change.pk}/").content.decode()
    assert "BJ-0007" in page and "已超期" in page


def test_delegation_lists_no_open_work(provider):
    cat = build_catalog(build_world())
    change = services.change_file(kind="delegation", town=cat.world.town_b, item=cat.items["CG-CF-003"], reason="赋权",
                                  effective_date=timezone.localdate(), user=cat.reform)
    assert change.open_work == []
