"""A patrol finding becomes an event in one step; the list filters (division by name, state, class…)."""
from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from events.models import EventPhoto
from events.services import event_from_finding
from events.tests import factory
from grids.models import Finding, GridWorker, Patrol

pytestmark = pytest.mark.django_db


def as_(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_patrol_finding_becomes_an_event_in_one_step(settings: Any, tmp_path: Any,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    ew = factory.build()
    worker_user = ew.users["worker"]
    worker = GridWorker.objects.get(user=worker_user)
    patrol = Patrol.objects.create(worker=worker, division_id=factory.A, started_at=timezone.now())
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buf, "JPEG")
    photo = default_storage.save("grids/findings/f.jpg", ContentFile(buf.getvalue()))
    lat, lng = factory.point_in(ew.grid_a)
    finding = Finding.objects.create(uuid=uuid.uuid4(), patrol=patrol, grid=ew.grid_a, category="environment",
                                     description="路口垃圾堆", lat=lat, lng=lng, photo=photo, found_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        result = event_from_finding(finding=finding, user=worker_user, category="06010")
    event = result.event
    assert result.created and event.channel == "patrol" and event.grid_id == ew.grid_a.pk
    assert event.client_id == str(finding.uuid) and event.unit_id == ew.unit_a.pk
    assert EventPhoto.objects.filter(event=event).count() == 1
    assert Finding.objects.get(pk=finding.pk).status == "reported"
    again = event_from_finding(finding=finding, user=worker_user, category="06010")
    assert not again.created and again.event.pk == event.pk


def test_list_filters() -> None:
    ew = factory.build()
    a = factory.report(ew, description="东关暴露垃圾")
    factory.report(ew, category="06017", description="绿地脏乱")
    factory.report(ew, user=ew.users["hotline"], channel="hotline", grid=ew.grid_b, description="湾头垃圾")
    api = as_(ew.users["city_centre"])

    def ids(**params: Any) -> set[int]:
        r = api.get("/api/events/", params)
        assert r.status_code == 200, r.content
        return {row["id"] for row in r.json()["results"]}

    assert len(ids()) == 3
    assert ids(division="东关") == ids(division=factory.A) == ids(division="扬州市广陵区东关街道")
    assert len(ids(division="东关")) == 2
    assert ids(division=ew.grid_a.village_id) == ids(division="东关")  # a village code: the same two
    assert len(ids(category="06010")) == 2 and len(ids(category="06")) == 3
    assert len(ids(level="county")) == 1
    assert ids(channel="hotline") == ids(division="湾头镇")
    assert ids(q="东关暴露") == {a.pk}
    assert len(ids(state="reported")) == 3 and ids(state="closed") == set()
    assert len(ids(unit=ew.unit_a.pk)) == 1
    today = timezone.localdate()
    assert len(ids(reported_from=today.isoformat(), reported_to=today.isoformat())) == 3
    assert ids(reported_to=(today - dt.timedelta(days=1)).isoformat()) == set()
    assert len(ids(overdue="false")) == 3
    bad = api.get("/api/events/", {"state": "flying"})
    assert bad.status_code == 400 and "未知状态" in bad.json()["error"]["message"]
    unknown = api.get("/api/events/", {"division": "火星镇"})
    assert unknown.status_code == 400 and "找不到" in unknown.json()["error"]["message"]


def test_overdue_filter_uses_the_deadline() -> None:
    ew = factory.build()
    late = factory.report(ew, reported_at=timezone.now() - dt.timedelta(days=30))
    factory.report(ew)
    r = as_(ew.users["centre_a"]).get("/api/events/", {"overdue": "true"}).json()
    assert [row["id"] for row in r["results"]] == [late.pk]


def test_warning_filter_marks_open_events_in_the_last_fifth_of_their_time() -> None:
    from events.models import Event

    ew = factory.build()
    now = timezone.now()
    near = factory.report(ew)
    far = factory.report(ew)
    Event.objects.filter(pk=near.pk).update(due_at=now + dt.timedelta(hours=1), warn_at=now - dt.timedelta(hours=1))
    Event.objects.filter(pk=far.pk).update(due_at=now + dt.timedelta(hours=10), warn_at=now + dt.timedelta(hours=8))
    api = as_(ew.users["centre_a"])
    assert [r["id"] for r in api.get("/api/events/", {"warning": "true"}).json()["results"]] == [near.pk]
    assert [r["id"] for r in api.get("/api/events/", {"warning": "false"}).json()["results"]] == [far.pk]


def test_the_openapi_schema_documents_every_action_verb() -> None:
    ew = factory.build()
    schema = as_(ew.users["centre_a"]).get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/events/{id}/{verb}/"]["post"]
    verb = next(p for p in post["parameters"] if p["name"] == "verb")
    from events import lifecycle

    assert sorted(verb["schema"]["enum"]) == sorted(lifecycle.ACTIONS)
    assert "/api/event-classes/" in schema["paths"]
