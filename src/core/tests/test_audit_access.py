"""The audit log is read only by auditors and the command centres, within their subtree."""
from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditLog
from core.roles import Role
from core.testing.world import build_world
from org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role,allowed", [(Role.AUDITOR, True), (Role.TOWN_COMMAND, True), (Role.COUNTY_COMMAND, True),
                                          (Role.CITY_COMMAND, True), (Role.GRID_WORKER, False),
                                          (Role.DEPT_HANDLER, False), (Role.LEADER, False),
                                          (Role.REFORM_OFFICE, False)])
def test_who_reads_the_audit_log(role: str, allowed: bool) -> None:
    world = build_world()
    Unit.objects.create(division=world.town_a, name="东关街道某局", kind="bureau")
    user = world.user(f"a-{role}", world.town_a.code, [role], is_staff=True)
    api = APIClient()
    api.force_authenticate(user)
    response = api.get("/api/audit/")
    page = Client()
    page.force_login(user)
    if allowed:
        assert response.status_code == 200 and response.json()["count"] >= 1
        assert page.get("/audit/").status_code == 200
    else:
        assert response.status_code == 403 and "审计" in response.json()["error"]["message"]
        assert page.get("/audit/").status_code == 403
        assert not AuditLog.objects.visible_to(user).exists()
        admin_list = page.get("/admin/core/auditlog/")  # the admin reads through visible_to too
        assert admin_list.status_code != 200 or "东关街道某局" not in admin_list.content.decode()


def test_a_grid_worker_does_not_see_the_audit_entry_in_the_navigation() -> None:
    world = build_world()
    worker = world.user("grid", world.town_a.code, [Role.GRID_WORKER])
    page = Client()
    page.force_login(worker)
    assert 'href="/audit/"' not in page.get("/").content.decode()


def test_the_audit_page_shows_where_sealing_stands(django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from core import auditchain

    world = build_world()
    Unit.objects.create(division=world.town_a, name="东关街道某局", kind="bureau")
    with django_capture_on_commit_callbacks(execute=True):
        sealed = auditchain.seal()
    Unit.objects.create(division=world.town_a, name="东关街道另一局", kind="bureau")
    page = Client()
    page.force_login(world.users["outsider"])
    html = page.get("/audit/").content.decode()
    waiting = AuditLog.objects.filter(seal_seq__isnull=True).count()  # the new unit, and the sign-in
    assert waiting >= 1 and f"已封存至第 {sealed} 条，待封存 {waiting} 条" in html


def test_the_audit_administrator_reads_the_whole_log() -> None:
    world = build_world()
    Unit.objects.create(division=world.town_a, name="东关街道某局", kind="bureau")
    Unit.objects.create(division=world.town_c, name="蒋王街道某局", kind="bureau")
    from accounts.tests.helpers import account, confirmed_device, sign_in, totp_code

    auditadmin = account("audit-admin", [Role.AUDIT_ADMIN], None, is_staff=True)  # no division
    api = APIClient()
    api.force_authenticate(auditadmin)
    reprs = {r["object_repr"] for r in api.get("/api/audit/?model=org.Unit").json()["results"]}
    assert {"东关街道某局", "蒋王街道某局"} <= reprs
    device = confirmed_device(auditadmin)
    page = Client()
    sign_in(page, "audit-admin")
    page.post("/account/otp/", {"otp_token": totp_code(device), "next": "/audit/"})
    assert "蒋王街道某局" in page.get("/audit/").content.decode()
