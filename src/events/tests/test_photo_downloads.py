"""Event photos are seen through the scoped file address (`core.downloads`), never a public media
URL: a grid worker uploads a real JPEG through the API; the town centre's event page shows it and
every `<img src>` on the page answers the stored bytes as image/jpeg; a user of another town gets
404, an anonymous browser the sign-in page, a refused API token 401."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from knox.models import AuthToken
from PIL import Image
from rest_framework.test import APIClient

from core.downloads import file_url
from core.testing.commit import committed
from events.models import EventPhoto
from events.tests import factory

pytestmark = pytest.mark.django_db


def real_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def _session(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def report_with_photo(ew: Any) -> tuple[dict[str, Any], EventPhoto]:
    lat, lng = factory.point_in(ew.grid_a)
    api = APIClient()
    token = AuthToken.objects.create(ew.users["worker"])[1]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with committed():
        response = api.post("/api/events/", {"category": "06010", "lat": lat, "lng": lng, "description": "路边垃圾",
                                             "channel": "grid", "photos": [SimpleUploadedFile(
                                                 "现场.jpg", real_jpeg(), content_type="image/jpeg")]},
                            format="multipart")
    assert response.status_code == 201, response.content
    return response.json(), EventPhoto.objects.get(event_id=response.json()["id"])


def test_every_image_on_the_event_page_answers_the_stored_jpeg(media: Path) -> None:
    ew = factory.build()
    answer, photo = report_with_photo(ew)
    page = _session(ew.users["centre_a"]).get(f"/events/{photo.event_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'<img[^>]*\ssrc="([^"]+)"', html)
    assert file_url("event-photo", photo.pk, "thumb") in sources
    centre = _session(ew.users["centre_a"])
    for src in sources:
        assert src.startswith("/"), src  # root-relative, never relative to the page
        response = centre.get(src)
        assert response.status_code == 200, src
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
        with default_storage.open(photo.thumbnail, "rb") as stored:
            assert _body(response) == stored.read()
        assert Image.open(io.BytesIO(_body(centre.get(src)))).width > 0
    full = file_url("event-photo", photo.pk)
    assert f'href="{full}"' in html
    response = centre.get(full)
    with default_storage.open(photo.path, "rb") as stored:
        assert _body(response) == stored.read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;") and "%E7%8E%B0%E5%9C%BA.jpg" in response["Content-Disposition"]

    other_town = _session(ew.users["centre_b"])
    anonymous = Client()
    for url in (*sources, full):
        assert other_town.get(url).status_code == 404
        refused = anonymous.get(url)
        assert refused.status_code == 302 and refused["Location"].startswith("/login/")
        assert Client(HTTP_AUTHORIZATION="Token wrong").get(url).status_code == 401


def test_the_api_gives_addresses_that_answer_with_a_token_and_only_in_scope(media: Path) -> None:
    ew = factory.build()
    answer, photo = report_with_photo(ew)
    detail = APIClient()
    detail.force_authenticate(ew.users["centre_a"])
    body = detail.get(f"/api/events/{photo.event_id}/").json()
    listed = [p for step in body.get("steps", []) for p in step.get("photos", [])] + body.get("photos", [])
    assert listed, body
    urls = {listed[0]["url"], listed[0]["thumbnail_url"]}
    assert urls == {file_url("event-photo", photo.pk), file_url("event-photo", photo.pk, "thumb")}
    own = Client(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(ew.users['centre_a'])[1]}")
    other = Client(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(ew.users['centre_b'])[1]}")
    for url in urls:
        assert own.get(url).status_code == 200 and own.get(url)["Content-Type"] == "image/jpeg"
        assert other.get(url).status_code == 404
    assert not default_storage.url(photo.path).startswith("/files/")  # the storage URL is never what we hand out


def test_no_file_address_takes_a_path(media: Path) -> None:
    """Only kind, row id and variant: a path, a traversal or an unknown variant is not a route or 404."""
    ew = factory.build()
    _, photo = report_with_photo(ew)
    centre = _session(ew.users["centre_a"])
    for url in (f"/files/event-photo/{photo.pk}/../../settings.py", f"/files/event-photo/{photo.pk}/path/",
                "/files/event-photo/", f"/media/{photo.path}", "/files/unknown/1/file/"):
        assert centre.get(url).status_code == 404, url
