"""Personal data: encrypted at rest, masked everywhere, unmasked only by an audited reveal."""
from __future__ import annotations

import pickle
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from rest_framework.test import APIClient

from core import personal
from core.errors import NotAllowed, NotFound
from core.models import AuditLog
from core.roles import Role
from core.testing.world import build_world
from org.models import Staff, Unit
from org.services import staff_create

pytestmark = pytest.mark.django_db
PHONE = "13812341234"
ID_NUMBER = "320102199001011232"  # a valid GB 11643 check character


def _raw(staff: Staff, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM org_staff WHERE id = %s", [staff.pk])  # noqa: S608
        return cursor.fetchone()[0]


def _staff(world, **kwargs):  # noqa: ANN001, ANN003, ANN202
    unit = Unit.objects.create(division=world.town_b, name="湾头镇指挥调度中心", kind="command_centre")
    return staff_create(unit=unit, name="王调度", establishment="行政", **kwargs)


def test_id_number_fixture_is_valid() -> None:
    assert personal.id_card_check_char(ID_NUMBER[:17]) == ID_NUMBER[17]


def test_masks() -> None:
    assert personal.mask("13812341234", personal.PHONE) == "138****1234"
    assert personal.mask("+86 138-1234-1234", personal.PHONE) == "138****1234"
    assert personal.mask("320102199001011232", personal.ID_CARD) == "3201**********1232"
    assert personal.mask("", personal.PHONE) == ""


def test_the_column_holds_ciphertext_without_any_digit_and_the_attribute_is_masked() -> None:
    world = build_world()
    staff = _staff(world, phone=PHONE, id_number=ID_NUMBER)
    raw_phone, raw_id = _raw(staff, "phone"), _raw(staff, "id_number")
    assert raw_phone.startswith("gm:") and not any(c.isdigit() for c in raw_phone + raw_id)
    loaded = Staff.objects.get(pk=staff.pk)
    assert loaded.phone == "138****1234" and str(loaded.id_number) == "3201**********1232"
    assert list(Staff.objects.filter(pk=staff.pk).values_list("phone", flat=True)) == ["138****1234"]
    assert Staff._meta.get_field("phone").plaintext(loaded) == PHONE


def test_saving_other_fields_or_copying_keeps_the_number() -> None:
    world = build_world()
    staff = _staff(world, phone=PHONE)
    loaded = Staff.objects.get(pk=staff.pk)
    loaded.title = "值班长"
    loaded.save()
    loaded.refresh_from_db()
    copy = Staff.objects.create(division=world.town_b, unit=loaded.unit, name="副本", establishment="行政",
                                phone=loaded.phone)
    clone = pickle.loads(pickle.dumps(Staff.objects.get(pk=copy.pk)))
    for row in (Staff.objects.get(pk=staff.pk), clone):
        assert Staff._meta.get_field("phone").plaintext(row) == PHONE
    Staff.objects.bulk_update([loaded], ["phone"])  # the masked attribute carries the number along
    assert Staff._meta.get_field("phone").plaintext(Staff.objects.get(pk=staff.pk)) == PHONE


def test_exact_lookup_goes_through_the_keyed_hash_and_direct_lookups_are_refused() -> None:
    world = build_world()
    staff = _staff(world, phone=PHONE)
    assert list(Staff.objects.filter(personal.match(Staff, "phone", "138 1234 1234"))) == [staff]
    assert not Staff.objects.filter(personal.match(Staff, "phone", "13912341234")).exists()
    assert Staff.objects.filter(phone="").count() == 0
    with pytest.raises(FieldError):
        list(Staff.objects.filter(phone=PHONE))
    with pytest.raises(FieldError):
        list(Staff.objects.filter(phone__contains="1234"))


def test_audit_snapshots_hold_the_mask_and_show_a_change() -> None:
    world = build_world()
    staff = _staff(world, phone=PHONE)
    staff.phone = "13812349999"
    staff.save()
    rows = list(AuditLog.objects.filter(model="org.Staff", object_id=str(staff.pk)).order_by("id"))
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[0].after["phone"] == "138****1234"
    assert rows[1].before["phone"] == "138****1234" and rows[1].after["phone"] == "138****9999"
    assert rows[1].before["phone_lookup"] != rows[1].after["phone_lookup"]
    dumped = str([r.before for r in rows] + [r.after for r in rows])
    assert PHONE not in dumped and "13812349999" not in dumped


def test_reveal_is_scoped_role_checked_and_audited() -> None:
    world = build_world()
    staff = _staff(world, phone=PHONE, id_number=ID_NUMBER)
    commander = world.user("town-b-command", world.town_b.code, [Role.TOWN_COMMAND])
    worker = world.user("town-b-grid", world.town_b.code, [Role.GRID_WORKER])
    assert personal.reveal_personal(user=commander, obj=staff, field="phone") == PHONE
    entry = AuditLog.objects.get(action="reveal")
    assert (entry.actor_name, entry.model, entry.object_id, entry.after) == \
        ("town-b-command", "org.Staff", str(staff.pk), {"field": "phone"})
    assert entry.division_code == world.town_b.code
    with pytest.raises(NotAllowed):
        personal.reveal_personal(user=commander, obj=staff, field="id_number")  # reform office only
    with pytest.raises(NotAllowed):
        personal.reveal_personal(user=worker, obj=staff, field="phone")
    with pytest.raises(NotFound):
        personal.reveal_personal(user=world.outsider, obj=staff, field="phone")
    assert AuditLog.objects.filter(action="reveal").count() == 1


def test_api_shows_the_mask_validates_in_chinese_and_reveals_with_an_audit_row() -> None:
    world = build_world()
    staff = _staff(world, phone=PHONE)
    api = APIClient()
    api.force_authenticate(world.insider)
    body = api.get(f"/api/org/staff/{staff.pk}/").json()
    assert body["phone"] == "138****1234" and body["id_number"] == ""
    assert PHONE not in api.get("/api/org/staff/").content.decode()
    bad = api.patch(f"/api/org/staff/{staff.pk}/", {"phone": "12345"}, format="json")
    assert bad.status_code == 400 and "手机号" in bad.json()["error"]["fields"]["phone"][0]
    body["title"] = "值班长"  # a GET → PUT round trip sends the mask back: the number stays
    body.pop("division")
    assert api.put(f"/api/org/staff/{staff.pk}/", body, format="json").status_code == 200
    assert Staff._meta.get_field("phone").plaintext(Staff.objects.get(pk=staff.pk)) == PHONE
    revealed = api.post(f"/api/org/staff/{staff.pk}/reveal/", {"field": "phone"}, format="json")
    assert revealed.status_code == 200 and revealed.json() == {"field": "phone", "value": PHONE}
    assert AuditLog.objects.filter(action="reveal", object_id=str(staff.pk), actor_name="insider").count() == 1
    assert api.post(f"/api/org/staff/{staff.pk}/reveal/", {"field": "name"}, format="json").status_code == 400
    outsider = APIClient()
    outsider.force_authenticate(world.outsider)
    assert outsider.post(f"/api/org/staff/{staff.pk}/reveal/", {"field": "phone"}, format="json").status_code == 404


def test_encrypt_existing_encrypts_plaintext_left_in_the_column() -> None:
    from django.apps import apps

    world = build_world()
    staff = _staff(world)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_staff SET phone = %s WHERE id = %s", [PHONE, staff.pk])
    editor = SimpleNamespace(connection=connection)  # all a RunPython step uses of its schema editor
    personal.encrypt_existing("org", "Staff", "phone", "id_number")(apps, editor)
    personal.encrypt_existing("org", "Staff", "phone", "id_number")(apps, editor)  # idempotent
    raw = _raw(staff, "phone")
    assert raw.startswith("gm:") and not any(c.isdigit() for c in raw)
    assert list(Staff.objects.filter(personal.match(Staff, "phone", PHONE))) == [staff]


def test_the_town_page_shows_the_mask_and_reveals_in_place_with_an_audit_row() -> None:
    from django.test import Client

    world = build_world()
    staff = _staff(world, phone=PHONE)
    Staff.objects.filter(pk=staff.pk).update(is_leader=True)
    commander = world.user("town-b-command", world.town_b.code, [Role.TOWN_COMMAND])
    worker = world.user("town-b-grid", world.town_b.code, [Role.GRID_WORKER])
    page = Client()
    page.force_login(commander)
    html = page.get(f"/divisions/{world.town_b.code}/").content.decode()
    assert "138****1234" in html and PHONE not in html and "personal/org.Staff" in html
    revealed = page.post(f"/personal/org.Staff/{staff.pk}/phone/reveal/")
    assert revealed.status_code == 200 and PHONE in revealed.content.decode()
    assert AuditLog.objects.filter(action="reveal", actor_name="town-b-command").count() == 1
    page.force_login(worker)
    html = page.get(f"/divisions/{world.town_b.code}/").content.decode()
    assert "138****1234" in html and "personal/org.Staff" not in html  # no button without the role
    assert page.post(f"/personal/org.Staff/{staff.pk}/phone/reveal/").status_code == 403
    assert page.get(f"/personal/org.Staff/{staff.pk}/phone/reveal/").status_code == 405


def test_the_demo_staff_carry_encrypted_synthetic_numbers() -> None:
    from core.synthetic import NameMaker
    from org import demo
    from org.services import units_provision_town

    world = build_world()
    units_provision_town(town=world.town_a)
    demo._people([world.town_a], NameMaker())
    staff = Staff.objects.filter(division=world.town_a).first()
    raw = _raw(staff, "phone") + _raw(staff, "id_number")
    assert raw.count("gm:") == 2 and not any(c.isdigit() for c in raw)
    plain_id = Staff._meta.get_field("id_number").plaintext(staff)
    assert plain_id.startswith("321002") and personal.id_card_check_char(plain_id[:17]) == plain_id[17]
    row = AuditLog.objects.filter(model="org.Staff", object_id=str(staff.pk)).get()
    assert row.after["phone"].count("*") == 4 and row.after["id_number"].count("*") == 10


def test_after_a_key_rotation_rekey_keeps_every_number_and_lookup(settings) -> None:  # noqa: ANN001
    from django.core.management import call_command

    settings.PERSONAL_DATA_KEY = "first-master"
    world = build_world()
    staff = _staff(world, phone=PHONE, id_number=ID_NUMBER)
    old_raw = _raw(staff, "phone")
    settings.PERSONAL_DATA_KEY, settings.PERSONAL_DATA_OLD_KEYS = "second-master", ["first-master"]
    assert not Staff.objects.filter(personal.match(Staff, "phone", PHONE)).exists()  # stale hash
    call_command("rekey_personal_data", stdout=StringIO())
    new_raw = _raw(staff, "phone")
    assert new_raw != old_raw and new_raw.split(":")[1] != old_raw.split(":")[1]
    settings.PERSONAL_DATA_OLD_KEYS = []  # the old key can go now
    found = Staff.objects.get(personal.match(Staff, "phone", PHONE))
    assert Staff._meta.get_field("id_number").plaintext(found) == ID_NUMBER
    assert AuditLog.objects.filter(action="rekey", model="org.Staff").exists()


def test_deploy_checks_require_the_two_keys(settings) -> None:  # noqa: ANN001
    from core.checks import secret_keys

    settings.PERSONAL_DATA_KEY, settings.AUDIT_CHAIN_KEY = "", ""
    assert sorted(str(e.id) for e in secret_keys()) == ["core.E102", "core.E103"]
    settings.PERSONAL_DATA_KEY, settings.AUDIT_CHAIN_KEY = "k1", "k2"
    assert secret_keys() == []


def test_dumpdata_carries_the_ciphertext_and_loaddata_restores_the_number() -> None:
    from django.core import serializers

    world = build_world()
    staff = _staff(world, phone=PHONE)
    dumped = serializers.serialize("json", [Staff.objects.get(pk=staff.pk)])
    assert PHONE not in dumped and "138****1234" not in dumped and '"phone": "gm:' in dumped
    Staff.objects.filter(pk=staff.pk).delete()
    for restored in serializers.deserialize("json", dumped):
        restored.save()
    assert Staff._meta.get_field("phone").plaintext(Staff.objects.get(pk=staff.pk)) == PHONE
