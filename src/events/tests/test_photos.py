"""Photos: type by content, limits, EXIF orientation applied, GPS kept as fields, other tags gone,
a thumbnail, and no file left behind by a rolled-back report. Files are read back from storage."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image
from rest_framework.test import APIClient

from events import photos
from events.models import Event, EventPhoto
from events.services import event_report
from events.tests import factory

pytestmark = pytest.mark.django_db


def jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6                      # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "TestCam"              # Make
    exif[0x0110] = "Model X"              # Model
    exif[0x0132] = "2026:02:13 16:00:00"  # DateTime
    exif[0x013B] = "张三"                  # Artist
    exif.get_ifd(0x8825).update({1: "N", 2: (32.0, 24.0, 0.0), 3: "E", 4: (119.0, 26.0, 24.0)})
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def post(ew: Any, files: list[SimpleUploadedFile], client_id: str = "") -> Any:
    lat, lng = factory.point_in(ew.grid_a)
    api = APIClient()
    api.force_authenticate(ew.users["worker"])
    return api.post("/api/events/", {"category": "06010", "lat": lat, "lng": lng, "description": "垃圾",
                                     "channel": "grid", "client_id": client_id, "photos": files}, format="multipart")


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_exif_gps_is_kept_as_fields_and_every_other_tag_is_gone(media: Path,
                                                                  django_capture_on_commit_callbacks: Any) -> None:
    ew = factory.build()
    with django_capture_on_commit_callbacks(execute=True):
        r = post(ew, [SimpleUploadedFile("IMG_0001.JPG", jpeg_with_exif(), content_type="image/jpeg")])
    assert r.status_code == 201, r.content
    photo = EventPhoto.objects.get(event_id=r.json()["id"])
    assert (photo.gps_lat, photo.gps_lng) == (32.4, 119.44)
    with default_storage.open(photo.path, "rb") as fh:
        stored = Image.open(io.BytesIO(fh.read()))
    assert stored.format == "JPEG"
    assert stored.size == (20, 40)            # the orientation was applied to the pixels
    assert dict(stored.getexif()) == {}       # no Make, Model, DateTime, Artist, GPS, Orientation
    assert "exif" not in stored.info
    with default_storage.open(photo.thumbnail, "rb") as fh:
        thumb = Image.open(io.BytesIO(fh.read()))
    assert max(thumb.size) <= photos.THUMB_SIZE
    assert r.json()["photos"][0]["gps_lat"] == 32.4


def test_a_text_file_renamed_jpg_is_refused_with_a_clear_message(media: Path,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    ew = factory.build()
    with django_capture_on_commit_callbacks(execute=True):
        r = post(ew, [SimpleUploadedFile("photo.jpg", "这不是图片\n".encode(), content_type="image/jpeg")])
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "bad_photo"
    assert "photo.jpg" in error["message"] and "按文件内容判断" in error["message"]
    assert not Event.objects.exists()
    assert not any(media.rglob("*.*"))


def test_size_and_count_limits(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ew = factory.build()
    monkeypatch.setattr(photos, "MAX_BYTES", 1000)
    big = post(ew, [SimpleUploadedFile("big.jpg", jpeg_with_exif() + b"\0" * 2000)])
    assert big.status_code == 400 and "超过" in big.json()["error"]["message"]
    many = post(ew, [SimpleUploadedFile(f"{i}.jpg", jpeg_with_exif()) for i in range(photos.MAX_PHOTOS + 1)])
    assert many.status_code == 400 and many.json()["error"]["code"] == "too_many_photos"
    assert not Event.objects.exists()


def test_a_rolled_back_report_leaves_no_file(media: Path, django_capture_on_commit_callbacks: Any) -> None:
    ew = factory.build()
    lat, lng = factory.point_in(ew.grid_a)

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        event_report(user=ew.users["worker"], channel="grid", category="06010", lat=lat, lng=lng, description="x",
                     photo_files=[("a.jpg", jpeg_with_exif())])
        raise Boom
    assert not Event.objects.exists()
    assert not any(media.rglob("*.*"))


def test_feedback_photos_belong_to_the_step(media: Path, django_capture_on_commit_callbacks: Any) -> None:
    from events.services import Params, event_act

    ew = factory.build()
    event = factory.report(ew)
    for verb in ("accept", "file", "dispatch"):
        event = event_act(event=event, action=verb, user=ew.users["centre_a"])
    png = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(png, "PNG")
    with django_capture_on_commit_callbacks(execute=True):
        event = event_act(event=event, action="feedback", user=ew.users["handler_a"],
                          params=Params(note="已清运", photo_files=[("after.png", png.getvalue())]))
    photo = EventPhoto.objects.get(event=event)
    assert photo.step is not None and photo.step.action == "feedback" and photo.content_type == "image/png"
    assert default_storage.exists(photo.path)
