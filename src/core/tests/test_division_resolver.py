"""The one division parser (core.filters.resolve_division) on the shipped Yangzhou tree."""
from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from core.errors import PlatformError
from core.filters import division_param, resolve_division
from divisions.services import division_import

SHIPPED = Path(__file__).resolve().parents[2] / "divisions" / "data" / "yangzhou_divisions.csv"
pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> None:
    division_import(text=SHIPPED.read_text(encoding="utf-8"))


def test_full_address_lands_on_the_deepest_division_it_names(tree: None) -> None:
    found = resolve_division("扬州市广陵区湾头镇壁虎路 88 号")
    assert found.code == "321002106000"
    assert not found.ambiguous
    assert found.matched == ["扬州市", "广陵区", "湾头镇"]


def test_shortenings_and_full_width_characters(tree: None) -> None:
    assert resolve_division("东关").code == "321002001000"
    assert resolve_division("广陵　东关　琼花观").code == "321002001001"  # ideographic spaces, three shortenings
    assert resolve_division("扬州市湾头镇").code == "321002106000"       # a level skipped
    assert resolve_division("３２１００２１０６０００").code == "321002106000"  # full-width digits: a code
    assert resolve_division("郭庄村(居)委会").code == "321023100215"  # half-width brackets match the full-width name
    assert resolve_division("车逻镇").code == "321084401000"            # 城南经济新区（车逻镇）


def test_a_repeated_village_name_stops_at_the_last_certain_level(tree: None) -> None:
    found = resolve_division("万福村委会")  # one in 广陵区, one in 高邮市
    assert found.ambiguous
    assert {p.code for p in found.candidates} == {"321002106201", "321084113211"}
    assert found.code == "321000000000"
    assert resolve_division("广陵区万福村").code == "321002106201"   # the county makes it certain
    two = resolve_division("湾头镇万福")  # 万福村委会 and 万福社区居民委员会, both in 湾头镇
    assert two.code == "321002106000"
    assert {p.code for p in two.candidates} == {"321002106201", "321002106004"}


def test_names_in_two_counties_and_text_naming_nothing(tree: None) -> None:
    found = resolve_division("七里社区")  # 江都区 and 宝应县
    assert found.ambiguous and found.code == "321000000000"
    assert resolve_division("宝应县七里社区").code == "321023400001"
    assert resolve_division("人民路 1 号").division is None


def test_division_param_takes_codes_and_names_and_refuses_clearly(tree: None) -> None:
    assert division_param("321002000000") == "321002000000"
    assert division_param("湾头镇") == "321002106000"
    with pytest.raises(PlatformError, match="对应多个区划") as ambiguous:
        division_param("万福村委会")
    assert "321084113211" in ambiguous.value.message
    with pytest.raises(PlatformError, match="找不到"):
        division_param("火星镇")
    with pytest.raises(PlatformError, match="12 位"):
        division_param("3210")


def test_every_subtree_filter_accepts_a_name(tree: None) -> None:
    from accounts.models import User
    from org.models import Unit

    Unit.objects.create(division_id="321002106000", name="湾头镇综合执法局", kind="bureau")
    Unit.objects.create(division_id="321002001000", name="东关街道综合执法局", kind="bureau")
    api = APIClient()
    api.force_authenticate(User.objects.create(username="county", division_id="321002000000"))
    by_name = api.get("/api/org/units/", {"division": "湾头"})
    assert by_name.status_code == 200, by_name.content
    rows = by_name.json()
    rows = rows.get("results", rows) if isinstance(rows, dict) else rows
    assert [r["name"] for r in rows] == ["湾头镇综合执法局"]
    bad = api.get("/api/org/units/", {"division": "万福村委会"})
    assert bad.status_code == 400
    assert "对应多个区划" in bad.json()["error"]["message"]


def test_the_index_follows_a_division_import(tree: None) -> None:
    assert resolve_division("测试甲镇").division is None
    text = SHIPPED.read_text(encoding="utf-8").replace("321002106000,湾头镇,", "321002106000,测试甲镇,")
    division_import(text=text)
    assert resolve_division("测试甲").code == "321002106000"


def test_within_a_scope_only_names_inside_it_count(tree: None) -> None:
    assert resolve_division("扬州市广陵区东关街道琼花观社区", within="321002001000").code == "321002001001"
    assert resolve_division("扬州市广陵区湾头镇壁虎路", within="321002001000").division is None
    assert resolve_division("湾头镇", within="321002001001").division is None


def test_an_address_naming_the_scope_itself_and_its_ancestors_lands_inside_it(tree: None) -> None:
    """A 湾头镇 user's report "扬州市广陵区湾头镇人民政府" names its own town (found by a newcomer's trial)."""
    assert resolve_division("扬州市广陵区湾头镇人民政府", "321002106000").code == "321002106000"
    assert resolve_division("湾头镇人民政府", "321002106000").code == "321002106000"
    assert resolve_division("扬州市广陵区", "321002106000").division is None  # an ancestor is not inside
    assert resolve_division("扬州市广陵区东关街道", "321002106000").division is None  # another town


def test_short_statistical_codes_are_accepted(tree: None) -> None:
    assert division_param("321002001") == "321002001000"  # README's 9-digit town codes
    assert division_param("321002") == "321002000000"
    with pytest.raises(PlatformError):
        division_param("32100")
