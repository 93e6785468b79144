"""Shared pieces of the citizen tests: the events world, a real JPEG, a form post."""
from __future__ import annotations

import io
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from events.tests import factory
from events.tests.factory import EventWorld


def jpeg(name: str = "现场.jpg", colour: tuple[int, int, int] = (120, 160, 90)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def form(ew: EventWorld, **overrides: Any) -> dict[str, Any]:
    """A valid report: 路边垃圾 (06010) at a point inside 东关街道's grid, with a photo and a phone."""
    lat, lng = factory.point_in(ew.grid_a)
    data: dict[str, Any] = {"problem": "rubbish", "description": "西门菜场旁的垃圾堆了三天没人清运",
                            "lat": f"{lat:.6f}", "lng": f"{lng:.6f}", "address": "", "phone": "13812345678",
                            "client_id": str(uuid.uuid4()), "photos": jpeg()}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, data: dict[str, Any], **extra: Any) -> Any:
    return client.post("/report/", data, **extra)


def code_of(response: Any) -> str:
    """The query code from the redirect to the status page (`/report/<code>/?new=1`)."""
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    assert location.startswith("/report/") and location.endswith("/?new=1"), location
    return location.split("/")[2]
