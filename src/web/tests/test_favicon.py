"""`/favicon.ico` is the platform's own icon, served by WhiteNoise from `web/root/` (WHITENOISE_ROOT)
to anyone, signed in or not, so no page logs a 404 for it; every page names it."""
from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

pytestmark = pytest.mark.django_db


def test_favicon_is_served_at_the_root_without_signing_in() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    assert body == (settings.BASE_DIR / "web" / "root" / "favicon.ico").read_bytes()
    assert Image.open(io.BytesIO(body)).format == "ICO"


def test_pages_link_the_local_icon() -> None:
    assert '<link rel="icon" href="/favicon.ico">' in Client().get("/login/").content.decode()
