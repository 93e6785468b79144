"""The phone app's pages as the server renders them: who sees what, the class picker's order, the
service worker (local Workbox files only, scope /m/) and the manifest."""
from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from events.tests import factory
from mobile import selectors
from mobile.tests.helpers import handled

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_the_worker_sees_their_grids_reports_and_what_waits_for_verification() -> None:
    ew = factory.build()
    worker = ew.users["worker"]
    waiting = handled(ew, description="待核查的垃圾")
    factory.report(ew, description="刚报的占道")
    phone = _client(worker)
    home = phone.get("/m/")
    assert home.status_code == 200
    assert 'data-grids="1"' in home.content.decode()
    mine = phone.get("/m/mine/").content.decode()
    assert "刚报的占道" in mine and "待核查的垃圾" in mine and "待核查" in mine
    listing = phone.get("/m/verify/").content.decode()
    assert f"/m/verify/{waiting.pk}/" in listing
    page = phone.get(f"/m/verify/{waiting.pk}/").content.decode()
    assert "已清运，现场整洁" in page and f'data-api="/api/events/{waiting.pk}/verify/"' in page


def test_only_the_reporting_worker_gets_the_verification_page() -> None:
    ew = factory.build()
    waiting = handled(ew)
    assert _client(ew.users["handler_a"]).get(f"/m/verify/{waiting.pk}/").status_code == 404
    assert _client(ew.users["centre_a"]).get(f"/m/verify/{waiting.pk}/").status_code == 404
    fresh = factory.report(ew)  # not handled yet: nothing to verify
    assert _client(ew.users["worker"]).get(f"/m/verify/{fresh.pk}/").status_code == 404


def test_a_user_who_is_no_grid_worker_is_told_so() -> None:
    ew = factory.build()
    page = _client(ew.users["centre_a"]).get("/m/report/").content.decode()
    assert "当前账号未登记为网格员" in page


def test_the_class_picker_offers_the_classes_used_most_first() -> None:
    ew = factory.build()
    for _ in range(3):
        factory.report(ew, category="06017")
    factory.report(ew, category="06010")
    rows = selectors.class_choices(ew.users["worker"])
    assert [r["code"] for r in rows[:2]] == ["06017", "06010"] and rows[0]["common"] and rows[1]["common"]
    rest = [r["code"] for r in rows[2:]]
    assert rest == sorted(rest) and not any(r["common"] for r in rows[2:])
    page = _client(ew.users["worker"]).get("/m/report/").content.decode()
    data = json.loads(re.search(r'<script id="classes" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert data[0]["code"] == "06017"


def test_the_service_worker_imports_only_local_workbox_files_and_is_never_cached_by_http() -> None:
    response = Client().get("/m/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    imports = re.findall(r'importScripts\("([^"]+)"\)', body)
    assert len(imports) == 5 and all(i.startswith("/static/vendor/workbox/") for i in imports)
    for url in imports:
        assert finders.find(url.removeprefix("/static/")), url  # the file is really there
    assert not re.search(r"https?://", body)  # nothing fetched from outside the platform
    assert 'SCOPE = "/m/"' in body


def test_the_manifest_makes_the_app_installable_with_local_icons() -> None:
    response = Client().get("/m/manifest.webmanifest")
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["start_url"] == "/m/" and data["scope"] == "/m/" and data["display"] == "standalone"
    sizes = {i["sizes"] for i in data["icons"]}
    assert sizes == {"192x192", "512x512"}
    from PIL import Image

    for icon in data["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert isinstance(path, str)
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_pages_need_a_sign_in() -> None:
    for url in ("/m/", "/m/report/", "/m/mine/", "/m/verify/", "/m/patrol/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
