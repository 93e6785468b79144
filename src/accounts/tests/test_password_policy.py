"""The password policy (Chinese messages), history, expiry and the forced change of an initial or
reset password; demo accounts keep the demo password in demo mode."""
import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import User
from accounts.tests.helpers import PASSWORD, account, events, sign_in, token_for
from core import audit
from core.errors import PlatformError

pytestmark = pytest.mark.django_db


def _messages(password: str, user: User | None = None) -> list[str]:
    with pytest.raises(ValidationError) as err:
        validate_password(password, user=user)
    return err.value.messages


def test_12345678_is_refused_with_chinese_messages(world) -> None:  # noqa: ANN001
    messages = " ".join(_messages("12345678"))
    assert "四类中的 3 类" in messages and "太常见" in messages


@pytest.mark.parametrize("password, fragment", [
    ("Ab1-xyz", "至少"),          # 7 characters
    ("abcdefgh1", "四类中的 3 类"),  # two classes
    ("Password1", "太常见"),        # on Django's common-password list
])
def test_each_rule_has_its_chinese_message(world, password: str, fragment: str) -> None:  # noqa: ANN001
    assert fragment in " ".join(_messages(password))


def test_three_of_four_classes_is_enough(world) -> None:  # noqa: ANN001
    validate_password("qiong-hua-2026")  # lower, digits, symbol
    validate_password("QIONGHUA2026x")  # upper, digits, lower


def test_the_last_five_passwords_cannot_be_reused(world) -> None:  # noqa: ANN001
    user = account("history-clerk")
    used = [f"Yangzhou-{n}-guangling" for n in range(6)]
    with audit.acting_as(user):
        for password in used:
            services.password_change(user=user, new_password=password)
    with pytest.raises(PlatformError) as err:
        services.password_change(user=user, new_password=used[1])  # the 5th last
    assert "最近 5 次" in err.value.message
    services.password_change(user=user, new_password=used[0])  # the 6th last may come back


def test_an_initial_password_must_be_changed_at_first_sign_in(world) -> None:  # noqa: ANN001
    with audit.acting_as(world.users["city-user"]):
        user = services.user_create(username="new-clerk", division_code="321002001000", roles=["town_command"],
                                    password="Initial-pass-2026")
    user.refresh_from_db()
    assert user.must_change_password
    client = Client()
    assert sign_in(client, "new-clerk", "Initial-pass-2026").status_code == 302
    page = client.get("/divisions/")
    assert page.status_code == 302 and page["Location"].startswith("/account/password/")
    assert client.get("/api/divisions/").json()["error"]["code"] == "password_change_required"
    assert token_for("new-clerk", "Initial-pass-2026").json()["error"]["code"] == "password_change_required"
    refused = client.post("/account/password/", {"old_password": "Initial-pass-2026", "new_password1": "12345678",
                                                 "new_password2": "12345678"})
    assert refused.status_code == 200 and "四类中的 3 类" in refused.content.decode()
    done = client.post("/account/password/", {"old_password": "Initial-pass-2026", "new_password1": PASSWORD,
                                              "new_password2": PASSWORD, "next": "/divisions/"})
    assert done.status_code == 302 and done["Location"] == "/divisions/"
    assert client.get("/divisions/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.password_changed_at is not None
    kinds = [e.after["kind"] for e in events("password", user)]
    assert kinds == ["initial", "self"]


def test_a_password_reset_by_the_security_administrator_must_be_changed(world) -> None:  # noqa: ANN001
    user = account("reset-clerk")
    admin = account("sec", ["security_admin"], None, is_staff=True)
    with audit.acting_as(admin):
        user.set_password("Reset-pass-2026")
        user.save()
    user.refresh_from_db()
    assert user.must_change_password
    entry = events("password", user)[-1]
    assert entry.after["kind"] == "reset" and entry.actor_name == "sec"


def test_an_expired_password_must_be_changed(world, settings) -> None:  # noqa: ANN001
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = account("old-clerk")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=91))
    client = Client()
    sign_in(client, "old-clerk")
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/account/password/")
    assert "已过期" in client.get(page["Location"]).content.decode()
    settings.PASSWORD_MAX_AGE_DAYS = 0  # 0 = no expiry
    assert client.get("/").status_code == 200


def test_demo_accounts_keep_the_demo_password_in_demo_mode(world) -> None:  # noqa: ANN001
    account("demo-town-x", ["town_command"], password="demo12345", is_synthetic=True, must_change_password=True)
    User.objects.filter(username="demo-town-x").update(password_changed_at=timezone.now() - dt.timedelta(days=999))
    client = Client()
    assert sign_in(client, "demo-town-x", "demo12345").status_code == 302
    assert client.get("/").status_code == 200
    assert token_for("demo-town-x", "demo12345").status_code == 200
