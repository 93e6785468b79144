"""What a user cannot see does not exist (issue 11 item 1): another county's admission gets the
answer of a code that does not exist, and nested lists name no town outside the reader's scope."""
from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog.models import Admission, Assignment
from core.testing.world import build_world
from org.models import Unit

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _admission(county: str, code: str, title: str, state: str = "approved", towns: tuple[str, ...] = ()) -> Admission:
    dept = Unit.objects.get_or_create(division_id=county, name=f"{county}城市管理局", kind="county_department")[0]
    admission = Admission.objects.create(division_id=county, code=code, department=dept, title=title,
                                         legal_basis="《测试条例》", state=state)
    admission.towns.set(towns)
    return admission


def _same(a: Any, b: Any, secret: str, missing: str) -> None:
    assert a.status_code == b.status_code
    assert a.content.decode().replace(secret, "<code>") == b.content.decode().replace(missing, "<code>")


def test_handover_check_answers_another_countys_admission_like_a_missing_one() -> None:
    world = build_world()
    _admission("321003000000", "ZR321003-2026-0001", "邗江区秘密整治任务", state="submitted")
    api = _api(world.outsider)
    town = world.town_a.code
    theirs = api.get(f"/api/catalog/handover-check/?town={town}&admission=ZR321003-2026-0001")
    missing = api.get(f"/api/catalog/handover-check/?town={town}&admission=ZR321003-2026-9999")
    assert theirs.status_code == 400
    _same(theirs, missing, "ZR321003-2026-0001", "ZR321003-2026-9999")
    body = theirs.content.decode()
    assert "邗江区秘密整治任务" not in body and "待" not in body  # neither its title nor its state


def test_an_assignment_under_another_countys_admission_is_refused_like_a_missing_one() -> None:
    world = build_world()
    _admission("321003000000", "ZR321003-2026-0001", "邗江区秘密整治任务")
    api = _api(world.outsider)
    payload = {"division": world.town_a.code, "title": "整治"}
    theirs = api.post("/api/catalog/assignments/", payload | {"admission": "ZR321003-2026-0001"}, format="json")
    missing = api.post("/api/catalog/assignments/", payload | {"admission": "ZR321003-2026-9999"}, format="json")
    _same(theirs, missing, "ZR321003-2026-0001", "ZR321003-2026-9999")
    assert Assignment.objects.count() == 0


def test_an_admissions_towns_list_only_the_towns_the_reader_can_see() -> None:
    world = build_world()
    own = _admission("321002000000", "ZR321002-2026-0001", "广陵区交办", towns=(world.town_a.code, world.town_b.code))
    town_a = _api(world.outsider).get(f"/api/catalog/admissions/{own.pk}/").json()
    assert town_a["towns"] == [world.town_a.code]
    listed = _api(world.outsider).get("/api/catalog/admissions/").json()["results"]
    assert [r["towns"] for r in listed if r["id"] == own.pk] == [[world.town_a.code]]
    county = _api(world.users["county-user"]).get(f"/api/catalog/admissions/{own.pk}/").json()
    assert sorted(county["towns"]) == sorted([world.town_a.code, world.town_b.code])
    assert town_a["all_towns"] is False and county["all_towns"] is False


def test_an_admission_for_another_town_only_does_not_read_as_one_for_every_town() -> None:
    from django.test import Client

    world = build_world()
    b_only = _admission("321002000000", "ZR321002-2026-0001", "广陵区交办", towns=(world.town_b.code,))
    whole = _admission("321002000000", "ZR321002-2026-0002", "广陵区全域交办")
    api = _api(world.outsider)
    seen = api.get(f"/api/catalog/admissions/{b_only.pk}/").json()
    assert seen["towns"] == [] and seen["all_towns"] is False
    assert api.get(f"/api/catalog/admissions/{whole.pk}/").json()["all_towns"] is True
    page = Client()
    page.force_login(world.outsider)
    html = page.get(f"/catalog/admissions/{b_only.pk}/").content.decode()
    assert "湾头镇" not in html and "不含您所在的乡镇（街道）" in html
    assert "本县全部乡镇（街道）" in page.get(f"/catalog/admissions/{whole.pk}/").content.decode()


def test_filter_choices_and_filter_values_hold_only_visible_rows() -> None:
    world = build_world()
    mine = _admission("321002000000", "ZR321002-2026-0001", "广陵区交办")
    theirs = _admission("321003000000", "ZR321003-2026-0001", "邗江区交办")
    api = _api(world.outsider)
    html = api.get("/api/catalog/admissions/?format=api").content.decode()
    assert f'value="{mine.department_id}"' in html
    assert "321003000000城市管理局" not in html
    # filtering by an unseen department is refused exactly like an id that does not exist
    unseen = api.get(f"/api/catalog/admissions/?department={theirs.department_id}")
    nowhere = api.get("/api/catalog/admissions/?department=987654321")
    assert unseen.status_code == nowhere.status_code == 400
    _same(unseen, nowhere, str(theirs.department_id), "987654321")
