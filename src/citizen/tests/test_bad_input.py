"""Bad input on the report page: a 400 page with the Chinese message beside the field, every
typed value kept, and nothing stored (no event, no code)."""
from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citizen.models import CitizenReport
from citizen.tests.helpers import form, post
from events.models import Event
from events.tests import factory

pytestmark = pytest.mark.django_db


def _refused(response: Any, field: str, message: str) -> str:
    text = response.content.decode()
    assert response.status_code == 400, text[:1500]
    block = re.search(rf'data-field="{field}".*?(?=data-field=|</form>)', text, re.S)
    assert block is not None and message in block.group(0), (field, message)
    assert Event.objects.count() == 0 and CitizenReport.objects.count() == 0
    return text


def test_missing_class_is_refused_beside_the_class_and_values_are_kept() -> None:
    ew = factory.build()
    text = _refused(post(Client(), form(ew, problem="")), "problem", "请选择问题类型")
    assert "西门菜场旁的垃圾堆了三天没人清运" in text and "13812345678" in text
    text = _refused(post(Client(), form(ew, problem="other", other_class="")), "other_class", "请搜索并选择问题类型")
    assert re.search(r'value="other"[^>]*checked', text)


def test_a_photo_that_is_not_an_image_is_refused_by_its_content() -> None:
    ew = factory.build()
    fake = SimpleUploadedFile("现场.jpg", b"%PDF-1.4 not a picture at all", content_type="image/jpeg")
    text = _refused(post(Client(), form(ew, photos=fake)), "photos", "不是有效的图片")
    assert "西门菜场旁的垃圾堆了三天没人清运" in text and re.search(r'value="rubbish"[^>]*checked', text)


def test_a_position_outside_the_city_is_refused_beside_the_map() -> None:
    ew = factory.build()
    text = _refused(post(Client(), form(ew, lat="39.904200", lng="116.407400")), "position", "不在本市范围内")
    assert 'value="39.9042"' in text or 'value="39.904200"' in text  # the tapped point stays on the map


def test_no_position_and_no_address_is_refused() -> None:
    ew = factory.build()
    _refused(post(Client(), form(ew, lat="", lng="")), "position", "请在地图上点选位置")


def test_an_address_alone_locates_the_report() -> None:
    ew = factory.build()
    response = post(Client(), form(ew, lat="", lng="", address="扬州市广陵区湾头镇湾头社区居委会门口"))
    assert response.status_code == 302
    event = CitizenReport.objects.get().event
    assert event.town_id == factory.B and event.grid_id is None


def test_an_address_that_names_nothing_is_refused_beside_the_address() -> None:
    ew = factory.build()
    _refused(post(Client(), form(ew, lat="", lng="", address="不知道哪里")), "address", "无法识别")


def test_a_bad_phone_and_an_empty_description_are_refused() -> None:
    ew = factory.build()
    _refused(post(Client(), form(ew, phone="12345")), "phone", "请输入正确的手机号")
    _refused(post(Client(), form(ew, description="  ")), "description", "请填写此项")


def test_the_form_keeps_csrf() -> None:
    ew = factory.build()
    strict = Client(enforce_csrf_checks=True)
    refused = post(strict, form(ew))
    assert refused.status_code == 403 and Event.objects.count() == 0
    page = strict.get("/report/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert post(strict, {**form(ew), "csrfmiddlewaretoken": token}).status_code == 302
