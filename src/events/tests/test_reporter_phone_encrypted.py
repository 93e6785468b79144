"""Issue 11 acceptance: a citizen's phone number is stored encrypted (the raw column holds no digit
of it), shown masked to a command centre (API, page, export), and its unmasked read is audited."""
from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from core import crypto
from core.models import AuditLog
from events.models import Event
from events.tests import factory

pytestmark = pytest.mark.django_db
NUMBER = "13812345678"


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM events_event WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def _citizen_event(ew: factory.EventWorld) -> Event:
    return factory.report(ew, user=ew.users["hotline"], channel="hotline", reporter_name="市民王先生",
                          reporter_phone="+86 138-1234-5678", client_id="tel-1")


def test_the_raw_column_holds_no_digit_of_the_number() -> None:
    ew = factory.build()
    event = _citizen_event(ew)
    raw = _raw(event.pk)
    assert raw.startswith(crypto.PREFIX)
    ciphertext = raw.removeprefix(crypto.PREFIX).split(":", 1)[1]  # after the key id: letters a–p only
    assert ciphertext and not any(ch.isdigit() for ch in ciphertext)
    fresh = Event.objects.get(pk=event.pk)
    assert fresh.reporter_phone == "138****5678"  # the attribute reads masked
    assert Event._meta.get_field("reporter_phone").plaintext(fresh) == NUMBER  # normalised, recoverable


def test_api_and_page_show_it_masked_to_a_command_centre() -> None:
    ew = factory.build()
    event = _citizen_event(ew)
    api = APIClient()
    api.force_authenticate(ew.users["hotline"])
    detail = api.get(f"/api/events/{event.pk}/").json()
    assert detail["reporter_phone"] == "138****5678"
    listed = api.get("/api/events/").json()
    assert [r["reporter_phone"] for r in listed["results"] if r["id"] == event.pk] == ["138****5678"]
    page = Client()
    page.force_login(ew.users["hotline"])
    text = page.get(f"/events/{event.pk}/").content.decode()
    assert "138****5678" in text and NUMBER not in text and "personal/events.Event/" in text
    handler = Client()
    handler.force_login(ew.users["handler_a"])  # sees the event, holds no command role: the mask, no button
    text = handler.get(f"/events/{event.pk}/").content.decode()
    assert "138****5678" in text and "personal/events.Event/" not in text


def test_an_unmasked_read_is_audited_and_refused_without_a_command_role() -> None:
    ew = factory.build()
    event = _citizen_event(ew)
    api = APIClient()
    api.force_authenticate(ew.users["hotline"])
    before = AuditLog.objects.filter(action="reveal").count()
    answer = api.post(f"/api/events/{event.pk}/reveal/", {"field": "reporter_phone"}, format="json")
    assert answer.status_code == 200 and answer.json() == {"field": "reporter_phone", "value": NUMBER}
    row = AuditLog.objects.filter(action="reveal").latest("id")
    assert AuditLog.objects.filter(action="reveal").count() == before + 1
    assert row.model == "events.Event" and row.object_id == str(event.pk) and row.after == {"field": "reporter_phone"}
    assert NUMBER not in str(row.after) and NUMBER not in str(row.before)

    page = Client()
    page.force_login(ew.users["centre_a"])  # the town centre of 东关街道, where the event is
    shown = page.post(f"/personal/events.Event/{event.pk}/reporter_phone/reveal/")
    assert shown.status_code == 200 and NUMBER in shown.content.decode()
    assert AuditLog.objects.filter(action="reveal").count() == before + 2

    handler = APIClient()
    handler.force_authenticate(ew.users["handler_a"])  # sees the event, holds no command role
    assert handler.post(f"/api/events/{event.pk}/reveal/", {"field": "reporter_phone"}, format="json").status_code == 403
    outsider = APIClient()
    outsider.force_authenticate(ew.users["centre_b"])
    assert outsider.post(f"/api/events/{event.pk}/reveal/", {"field": "reporter_phone"}, format="json").status_code == 404
    assert AuditLog.objects.filter(action="reveal").count() == before + 2


def test_audit_snapshots_hold_the_mask_only() -> None:
    ew = factory.build()
    event = _citizen_event(ew)
    rows = AuditLog.objects.filter(model="events.Event", object_id=str(event.pk))
    assert rows.exists()
    for row in rows:
        assert NUMBER not in str(row.after) and "5678" not in str(row.before or "")


def test_the_migration_encrypts_numbers_left_in_plaintext() -> None:
    ew = factory.build()
    event = _citizen_event(ew)
    with connection.cursor() as cursor:  # a row written before the migration (or restored from an old dump)
        cursor.execute("UPDATE events_event SET reporter_phone = %s WHERE id = %s", ["13900001111", event.pk])
    migration = importlib.import_module("events.migrations.0004_reporter_phone_encrypted")
    step = migration.Migration.operations[1]
    editor = SimpleNamespace(connection=connection)  # encrypt_existing reads only the connection
    step.code(global_apps, editor)
    step.code(global_apps, editor)  # idempotent
    raw = _raw(event.pk)
    assert raw.startswith(crypto.PREFIX) and not any(ch.isdigit() for ch in raw.split(":", 2)[2])
    assert Event._meta.get_field("reporter_phone").plaintext(Event.objects.get(pk=event.pk)) == "13900001111"
