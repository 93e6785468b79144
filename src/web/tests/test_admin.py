"""The admin is scoped like everything else; roles decide who may change what."""
import pytest
from django.test import Client

from core.testing.world import build_world
from org.models import Unit

pytestmark = pytest.mark.django_db


def test_reform_office_edits_its_subtree_in_the_admin_and_is_audited() -> None:
    world = build_world()
    reform = world.user("reform", "321002000000", ["reform_office"], is_staff=True)
    unit = Unit.objects.create(division=world.town_a, name="东关街道经济发展局", kind="bureau")
    client = Client()
    client.force_login(reform)
    response = client.post(f"/admin/org/unit/{unit.pk}/change/", {
        "division": "321002001000", "name": "东关街道经济发展和招商局", "kind": "bureau", "code": "", "order": 0,
        "home_department": ""})
    assert response.status_code == 302, response.content[:500]
    unit.refresh_from_db()
    assert unit.name == "东关街道经济发展和招商局"
    from core.models import AuditLog

    entry = AuditLog.objects.filter(model="org.Unit", object_id=str(unit.pk), action="update").latest("id")
    assert (entry.actor_name, entry.source) == ("reform", "admin")


def test_staff_without_a_write_role_only_views() -> None:
    world = build_world()
    auditor = world.user("aud", "321002000000", ["auditor"], is_staff=True)
    unit = Unit.objects.create(division=world.town_a, name="东关街道社会事业局", kind="bureau")
    client = Client()
    client.force_login(auditor)
    assert client.get("/admin/org/unit/").status_code == 200
    assert client.post(f"/admin/org/unit/{unit.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Unit.objects.filter(pk=unit.pk).exists()
