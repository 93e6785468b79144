"""Headless Chromium: the event page's photo thumbnail really loads (served by `core.downloads`
under the signed-in session), so the town centre sees what the grid worker photographed."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.browser import WAIT_IGNORED, login
from events.tests import factory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_event_page_thumbnail_loads_in_the_browser(live_server: Any, chromium: Any, settings: Any,
                                                        tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    ew = factory.build()
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 60, 30)).save(out, "JPEG")
    event = factory.report(ew, photo_files=[SimpleUploadedFile("现场.jpg", out.getvalue(), content_type="image/jpeg")])
    base = live_server.url
    login(chromium, base, ew.users["centre_a"].username)
    chromium.get(f"{base}/events/{event.pk}/")
    image = chromium.find_element(By.CSS_SELECTOR, "p.photos img")
    WebDriverWait(chromium, 20, ignored_exceptions=WAIT_IGNORED).until(
        lambda d: d.execute_script("return arguments[0].complete", image))
    assert chromium.execute_script("return arguments[0].naturalWidth", image) > 0
    assert image.get_attribute("src").startswith(f"{base}/files/event-photo/")
