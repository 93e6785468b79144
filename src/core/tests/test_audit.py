"""Every create, update and delete leaves an append-only record with actor, before and after."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from core import audit
from core.models import AppendOnlyError, AuditLog
from core.testing.world import build_world
from org.models import Unit

pytestmark = pytest.mark.django_db


def test_create_update_delete_are_recorded_with_before_and_after() -> None:
    world = build_world()
    with audit.acting_as(world.users["county-user"], source="service"):
        unit = Unit.objects.create(division=world.town_a, name="东关街道社会事业局", kind="bureau")
        unit.name = "东关街道社会事业局（改）"
        unit.save()
        pk = unit.pk
        unit.delete()
    rows = list(AuditLog.objects.filter(model="org.Unit", object_id=str(pk)).order_by("id"))
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert rows[0].before is None and rows[0].after["name"] == "东关街道社会事业局"
    assert rows[1].before["name"] == "东关街道社会事业局" and rows[1].after["name"].endswith("（改）")
    assert rows[2].after is None and rows[2].before["name"].endswith("（改）")
    assert {r.actor_name for r in rows} == {"county-user"}
    assert {r.division_code for r in rows} == {"321002001000"}


def test_a_save_that_changes_nothing_writes_nothing() -> None:
    world = build_world()
    unit = Unit.objects.create(division=world.town_a, name="东关街道经济发展局", kind="bureau")
    count = AuditLog.objects.count()
    unit.save()
    assert AuditLog.objects.count() == count


def test_the_log_is_append_only() -> None:
    build_world()
    entry = AuditLog.objects.create(action="create", model="x.Y", object_id="1")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().update(actor_name="x")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()


def test_api_writes_name_the_token_user_and_the_api_source() -> None:
    world = build_world()
    api = APIClient()
    api.force_authenticate(world.users["county-user"])
    response = api.post("/api/org/units/", {"division": "321002001000", "name": "东关街道财政局", "kind": "bureau"},
                        format="json")
    assert response.status_code == 201, response.content
    entry = AuditLog.objects.get(model="org.Unit", object_id=str(response.json()["id"]))
    assert (entry.actor_name, entry.source, entry.action) == ("county-user", "api", "create")


def test_audit_api_is_scoped() -> None:
    world = build_world()
    Unit.objects.create(division=world.town_a, name="A局", kind="bureau")
    Unit.objects.create(division=world.town_b, name="B局", kind="bureau")
    api = APIClient()
    api.force_authenticate(world.outsider)
    reprs = {r["object_repr"] for r in api.get("/api/audit/?model=org.Unit").json()["results"]}
    assert reprs == {"A局"}


def test_file_fields_are_recorded_by_their_stored_name() -> None:
    from django.db.models.fields.files import FieldFile, FileField

    field = FileField(upload_to="x")
    field.set_attributes_from_name("attachment")
    value = FieldFile(None, field, "cases/2026/证据.jpg")  # type: ignore[arg-type]  # no instance needed
    assert audit.jsonable(value) == "cases/2026/证据.jpg"
    assert audit.jsonable(FieldFile(None, field, "")) is None  # type: ignore[arg-type]


def test_json_answers_are_gzipped_when_asked() -> None:
    world = build_world()
    api = APIClient()
    api.force_authenticate(world.users["city-user"])
    response = api.get("/api/divisions/?page_size=2000", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response.get("Content-Encoding") == "gzip"
    page = Client()
    page.force_login(world.users["city-user"])
    assert page.get("/", HTTP_ACCEPT_ENCODING="gzip").get("Content-Encoding") is None  # HTML stays plain (BREACH)
