"""The calendar page states how limits are counted and which years are provisional."""
import pytest
from django.test import Client

from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def test_calendar_page_shows_the_rule_the_2026_arrangement_and_provisional_years() -> None:
    world = build_world()
    client = Client()
    client.force_login(world.outsider)
    html = client.get("/calendar/").content.decode()
    assert "下一个工作日起算" in html and "第八十二条" in html
    assert "2026年2月14日" in html and "调休上班" in html and "春节" in html
    assert "暂定" in html  # the year after the last published one
