"""The demo's published Open311 key: loaded by `load_demo`, printed by `./run` (demo_logins), usable
in demo mode by a client that only knows `demo-open311-key`, refused in production."""
from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client

from core.roles import Role
from events.models import Event
from events.tests import factory
from sharing import demo

pytestmark = pytest.mark.django_db


def test_demo_key_is_loaded_printed_and_works_in_demo_mode_only(settings: pytest.FixtureRequest) -> None:
    ew = factory.build()
    ew.world.user("demo-secadmin", None, [Role.SECURITY_ADMIN])
    said: list[str] = []
    demo.load(said.append)
    demo.load(said.append)
    assert "demo-open311-key" in said[0] and "跳过" in said[1]
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "demo-open311-key" in out.getvalue()

    services = json.loads(Client().get("/open311/v2/services.json").content)
    assert {"06010", "06017"} <= {s["service_code"] for s in services}
    r = Client().post("/open311/v2/requests.json", urlencode({
        "api_key": "demo-open311-key", "service_code": "06010", "address_string": "扬州市广陵区东关街道",
        "description": "演示：路边垃圾"}), content_type="application/x-www-form-urlencoded")
    assert r.status_code == 201, r.content
    event = Event.objects.get(pk=int(json.loads(r.content)[0]["service_request_id"]))
    assert event.division_id.startswith("321002001")

    settings.PLATFORM_MODE = "production"  # type: ignore[attr-defined]
    r = Client().get("/open311/v2/requests.json", {"api_key": "demo-open311-key"})
    assert r.status_code == 403 and "演示" in json.loads(r.content)[0]["description"]
