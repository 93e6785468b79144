"""The division CSV as people type it: full-width digits, header spacing and case, and names that
differ only in full-width/half-width forms (compared after NFKC, DESIGN.md §4, issue 12 item 4)."""
from pathlib import Path

import pytest
from django.core.management import call_command

from divisions.models import Division
from divisions.services import division_import

pytestmark = pytest.mark.django_db
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "yangzhou_divisions.csv"


def test_full_width_codes_and_a_spaced_header_import_as_ascii_codes() -> None:
    text = ("\ufeff Code , Name ,LEVEL,parent_code\n"
            "３２１０００００００００,扬州市,city,３２００００００００００\n"
            "321002000000, 广陵区 ,County,321000000000\n")
    result = division_import(text=text)
    assert result.created == 2
    assert set(Division.objects.values_list("code", "name")) == {("321000000000", "扬州市"), ("321002000000", "广陵区")}


def test_a_name_typed_half_width_is_the_same_name_and_changes_nothing(capsys: pytest.CaptureFixture) -> None:
    call_command("import_divisions")
    text = SHIPPED.read_text(encoding="utf-8").replace("城南经济新区（车逻镇）", "城南经济新区(车逻镇)")
    assert "城南经济新区(车逻镇)" in text
    result = division_import(text=text)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1543)
    assert Division.objects.get(code="321084401000").name == "城南经济新区（车逻镇）"  # stored as first written


def test_kind_is_derived_from_the_normalised_name() -> None:
    text = ("code,name,level,parent_code\n321000000000,扬州市,city,320000000000\n"
            "321002000000,广陵区,county,321000000000\n321002001000,东关街道　,town,321002000000\n")
    division_import(text=text)
    town = Division.objects.get(code="321002001000")
    assert town.name == "东关街道" and town.kind == "街道"
