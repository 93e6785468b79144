"""TOTP (django-otp): required for administrators (the admin is unreachable without it), optional
for everyone else (once enrolled, every sign-in asks for it, the API token endpoint too)."""
import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.helpers import account, confirmed_device, events, sign_in, token_for, totp_code

pytestmark = pytest.mark.django_db


def test_an_administrator_without_totp_cannot_reach_the_admin(world) -> None:  # noqa: ANN001
    account("sec-admin", ["security_admin"], None, is_staff=True)
    client = Client()
    assert sign_in(client, "sec-admin").status_code == 302
    for url in ("/admin/", "/admin/accounts/user/", "/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/account/otp/"), url
    setup = client.get("/account/otp/")
    assert setup.status_code == 200 and "绑定动态口令" in setup.content.decode()
    assert "data:image/svg+xml" in setup.content.decode()
    api = token_for("sec-admin")
    assert api.status_code == 403 and api.json()["error"]["code"] == "otp_setup_required"


def test_an_administrator_enrols_totp_and_then_reaches_the_admin(world) -> None:  # noqa: ANN001
    user = account("sec-admin", ["security_admin"], None, is_staff=True)
    client = Client()
    sign_in(client, "sec-admin")
    setup = client.get("/account/otp/?next=/admin/")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup.content.decode()).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/account/otp/", {"otp_token": "000000" if totp_code(device) != "000000" else "111111",
                                          "next": "/admin/"})
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp throttles guessing (1 s, 2 s, 4 s, …)
    device.throttle_reset()
    done = client.post("/account/otp/", {"otp_token": totp_code(device), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed and secret
    assert events("otp_add", user) and events("otp_fail", user)


def test_a_new_session_of_an_enrolled_administrator_asks_for_the_code(world) -> None:  # noqa: ANN001
    user = account("audit-admin", ["audit_admin"], None, is_staff=True)
    device = confirmed_device(user)
    client = Client()
    sign_in(client, "audit-admin")
    assert client.get("/admin/")["Location"].startswith("/account/otp/")
    ask = client.get("/account/otp/")
    assert "动态口令验证" in ask.content.decode()
    assert client.post("/account/otp/", {"otp_token": totp_code(device), "next": "/admin/"}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_totp_is_optional_for_others_but_asked_once_enrolled(world) -> None:  # noqa: ANN001
    user = account("town-clerk", ["town_command"])
    client = Client()
    sign_in(client, "town-clerk")
    assert client.get("/").status_code == 200  # no device: no second step
    assert token_for("town-clerk").status_code == 200
    device = confirmed_device(user)
    client = Client()
    sign_in(client, "town-clerk")
    assert client.get("/")["Location"].startswith("/account/otp/")
    missing = token_for("town-clerk")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "otp_required"
    assert token_for("town-clerk", otp_token=totp_code(device)).status_code == 200


def test_staff_without_an_administrator_role_reach_the_admin_without_totp(world) -> None:  # noqa: ANN001
    account("reform", ["reform_office"], "321002000000", is_staff=True)
    client = Client()
    sign_in(client, "reform")
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_page_sends_to_the_platform_sign_in(world) -> None:  # noqa: ANN001
    answer = Client().get("/admin/login/?next=/admin/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/?next=")


def test_the_second_factor_comes_before_a_forced_password_change(world) -> None:  # noqa: ANN001
    user = account("new-admin", ["audit_admin"], None, is_staff=True, must_change_password=True)
    device = confirmed_device(user)
    client = Client()
    sign_in(client, "new-admin")
    assert client.get("/account/password/")["Location"].startswith("/account/otp/")
    client.post("/account/otp/", {"otp_token": totp_code(device), "next": "/admin/"})
    assert client.get("/admin/")["Location"].startswith("/account/password/")
    assert client.get("/account/password/").status_code == 200
