"""三员分立: a system administrator (configuration), a security administrator (accounts, roles,
keys) and an audit administrator (reads the audit log); none sees business data, none is a
superuser, and the roles cannot be combined."""
import datetime as dt
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from accounts.tests.helpers import account, confirmed_device, events
from core import audit
from core.errors import PlatformError
from core.models import AuditLog, CalendarDay
from core.roles import Role
from org.models import Unit

pytestmark = pytest.mark.django_db


def _admin_client(user: Any) -> Client:
    """A session that passed the password and the TOTP step."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = confirmed_device(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _admins() -> dict[str, Any]:
    return {role: account(f"x-{role}", [role], None, is_staff=True)
            for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)}


def test_administrator_roles_are_held_alone_and_without_a_division(world) -> None:  # noqa: ANN001
    for roles, division in (([Role.SECURITY_ADMIN, Role.AUDIT_ADMIN], None),
                            ([Role.SYSTEM_ADMIN, Role.TOWN_COMMAND], None),
                            ([Role.AUDIT_ADMIN], "321002001000")):
        with pytest.raises(PlatformError) as err:
            services.user_create(username="mixed", division_code=division, roles=roles)
        assert "三员分立" in err.value.message
    ok = services.user_create(username="only-audit", division_code=None, roles=[Role.AUDIT_ADMIN])
    assert ok.is_staff and not ok.is_superuser


def test_no_business_data_reaches_an_administrator(world) -> None:  # noqa: ANN001
    Unit.objects.create(division=world.town_a, name="东关街道综合执法局", kind="bureau")
    for role, user in _admins().items():
        api = APIClient()
        api.force_authenticate(user)
        assert api.get("/api/org/units/").json()["count"] == 0
        trail = api.get("/api/audit/")  # the audit administrator's one job is reading the trail
        assert trail.status_code == (200 if role == Role.AUDIT_ADMIN else 403)
        client = _admin_client(user)
        assert client.get("/admin/org/unit/").status_code == 403


def test_the_system_administrator_configures_and_sees_no_accounts_or_audit(world) -> None:  # noqa: ANN001
    sysadmin = _admins()[Role.SYSTEM_ADMIN]
    client = _admin_client(sysadmin)
    index = client.get("/admin/").content.decode()
    assert "/admin/core/calendarday/" in index
    assert "/admin/accounts/user/" not in index and "/admin/core/auditlog/" not in index
    added = client.post("/admin/core/calendarday/add/", {"date": "2031-10-01", "kind": "holiday", "name": "国庆节"})
    assert added.status_code == 302, added.content[:400]
    assert CalendarDay.objects.filter(date=dt.date(2031, 10, 1)).exists()
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/core/auditlog/").status_code == 403


def test_the_security_administrator_manages_accounts_and_role_changes_are_audited(world) -> None:  # noqa: ANN001
    secadmin = _admins()[Role.SECURITY_ADMIN]
    clerk = account("clerk", [Role.TOWN_COMMAND])
    client = _admin_client(secadmin)
    listed = client.get("/admin/accounts/user/")
    assert listed.status_code == 200 and {u.username for u in listed.context["cl"].result_list} >= {"clerk", "outsider"}
    changed = client.post(f"/admin/accounts/user/{clerk.pk}/change/", {
        "username": "clerk", "display_name": "", "division": "321002001000", "unit": "", "staff": "",
        "roles": [Role.TOWN_COMMAND, Role.LEADER], "is_active": "on", "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00"})
    assert changed.status_code == 302, changed.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert clerk.roles == [Role.LEADER, Role.TOWN_COMMAND] or set(clerk.roles) == {Role.LEADER, Role.TOWN_COMMAND}
    entry = events("roles", clerk)[-1]
    assert entry.actor_name == secadmin.username and entry.after["roles"] == sorted([Role.TOWN_COMMAND, Role.LEADER])
    mixed = client.post(f"/admin/accounts/user/{clerk.pk}/change/", {
        "username": "clerk", "division": "321002001000", "roles": [Role.AUDIT_ADMIN], "is_active": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "08:00:00"})
    assert mixed.status_code == 200 and "三员分立" in mixed.content.decode()
    assert client.get(f"/admin/accounts/user/{secadmin.pk}/change/").context["has_change_permission"] is False
    assert client.get("/admin/core/auditlog/").status_code == 403
    assert "is_superuser" not in client.get(f"/admin/accounts/user/{clerk.pk}/change/").content.decode()


def test_the_audit_administrator_reads_the_whole_log_and_changes_nothing(world) -> None:  # noqa: ANN001
    auditadmin = _admins()[Role.AUDIT_ADMIN]
    with audit.acting_as(world.insider):
        Unit.objects.create(division=world.town_b, name="湾头镇综合执法局", kind="bureau")
    client = _admin_client(auditadmin)
    log = client.get("/admin/core/auditlog/?model=org.Unit")
    assert log.status_code == 200 and len(log.context["cl"].result_list) >= 1
    entry = AuditLog.objects.filter(model="org.Unit").latest("id")
    assert client.post(f"/admin/core/auditlog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/core/calendarday/").status_code == 403


def test_the_demo_creates_three_administrators_and_no_superuser(world) -> None:  # noqa: ANN001
    from accounts import demo

    demo.load(lambda message: None)
    admins = {u.username: u for u in User.objects.filter(username__in=[n for n, _, _ in demo.ADMINS])}
    assert {u: a.roles for u, a in admins.items()} == {
        "demo-sysadmin": [Role.SYSTEM_ADMIN], "demo-secadmin": [Role.SECURITY_ADMIN],
        "demo-auditadmin": [Role.AUDIT_ADMIN]}
    assert all(a.is_synthetic and a.is_staff and a.division_id is None for a in admins.values())
    assert not User.objects.filter(username="demo-admin").exists()
    assert not User.objects.filter(is_superuser=True, is_synthetic=True).exists()


def test_an_older_demo_database_gets_the_three_administrators_and_loses_its_superuser(world) -> None:  # noqa: ANN001
    from accounts import demo

    account("demo-city", [Role.CITY_COMMAND], "321000000000", is_synthetic=True)
    account("demo-admin", [], None, is_synthetic=True, is_superuser=True, is_staff=True)
    demo.load(lambda message: None)
    old = User.objects.get(username="demo-admin")
    assert not old.is_active and not old.is_superuser
    assert User.objects.filter(username__in=["demo-sysadmin", "demo-secadmin", "demo-auditadmin"]).count() == 3


def test_a_new_installation_creates_its_administrators_with_a_command(world, monkeypatch) -> None:  # noqa: ANN001
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("FIRST_PASSWORD", "Slender-West-Lake-9")
    call_command("create_administrator", "secadmin", Role.SECURITY_ADMIN, "--password-from-env", "FIRST_PASSWORD")
    user = User.objects.get(username="secadmin")
    assert user.roles == [Role.SECURITY_ADMIN] and user.is_staff and user.must_change_password
    assert user.division_id is None and not user.is_superuser and not user.is_synthetic
    monkeypatch.setenv("WEAK_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="四类中的 3 类"):
        call_command("create_administrator", "auditadmin", Role.AUDIT_ADMIN, "--password-from-env", "WEAK_PASSWORD")


def test_an_administrator_lands_on_pages_that_show_no_business_data(world) -> None:  # noqa: ANN001
    for user in _admins().values():
        client = _admin_client(user)
        for url in ("/", "/divisions/", "/account/"):
            assert client.get(url).status_code in (200, 302, 403, 404), url
        home = client.get("/")
        assert home.status_code == 200 and "东关街道" not in home.content.decode()
