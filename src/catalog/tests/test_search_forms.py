"""Searching names finds them whichever width the punctuation is typed in (issue 12 item 4)."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from catalog.models import Item
from catalog.tests.factory import build_catalog
from core.testing.world import build_world
from core.text import search_variants

pytestmark = pytest.mark.django_db


def test_search_variants():
    assert search_variants(" 乡(镇)村 ") == ["乡(镇)村", "乡（镇）村"]
    assert search_variants("乡（镇）") == ["乡（镇）", "乡(镇)"]
    assert search_variants("ＸＫ－０１９") == ["ＸＫ－０１９", "XK-019"]
    assert search_variants("") == [] and search_variants(None) == []


def test_item_search_finds_full_width_names_typed_half_width():
    cat = build_catalog(build_world())
    Item.objects.create(code="XK-019", name="乡（镇）村公共设施、公益事业建设用地审核", kind="approval",
                        department_code="zrzy", delegable=True)
    api = APIClient()
    api.force_authenticate(cat.reform)
    for q in ("乡(镇)村公共", "乡（镇）村公共", "ｘｋ-019"):
        codes = [r["code"] for r in api.get("/api/catalog/items/", {"q": q}).json()["results"]]
        assert codes == ["XK-019"], q
    page = Client()
    page.force_login(cat.reform)
    assert "XK-019" in page.get("/catalog/items/", {"q": "乡(镇)"}).content.decode()
