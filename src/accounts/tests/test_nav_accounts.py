"""The security administrator finds account management in the menu (a newcomer's trial found
it only by guessing `/admin/accounts/user/add/`); nobody else sees the entry."""
from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.helpers import account

pytestmark = pytest.mark.django_db


def test_the_security_administrator_has_account_management_in_the_menu(world) -> None:  # noqa: ANN001
    secadmin = account("menu-secadmin", ["security_admin"], division=None, is_staff=True)
    town = account("menu-town", ["town_command"])
    seen = {}
    for user in (secadmin, town):
        client = Client()
        client.force_login(user)
        page = client.get("/", follow=True)
        assert page.status_code == 200
        seen[user.username] = 'href="/admin/accounts/user/"' in page.content.decode()
    assert seen == {"menu-secadmin": True, "menu-town": False}
    client = Client()
    client.force_login(secadmin)
    answer = client.get("/admin/accounts/user/")   # the admin site asks an administrator for TOTP first
    assert answer.status_code == 302 and answer["Location"].startswith("/account/otp/")
