"""Failed sign-ins lock the account and the source address (django-axes), with a Chinese message
and audit rows; the same holds for the API token endpoint."""
import pytest
from django.test import Client

from accounts.tests.helpers import account, events, sign_in, token_for

pytestmark = pytest.mark.django_db


def test_six_wrong_passwords_lock_the_account_with_a_chinese_message_and_an_audit_row(world) -> None:  # noqa: ANN001
    user = account("locked-clerk")
    client = Client()
    answers = [sign_in(client, "locked-clerk", "wrong-Password-1") for _ in range(6)]
    assert [a.status_code for a in answers[:4]] == [200, 200, 200, 200]  # the form again, with an error
    assert "用户名或密码不正确" in answers[0].content.decode()
    assert answers[5].status_code == 429
    page = answers[5].content.decode()
    assert "登录失败次数过多" in page and "15 分钟" in page
    # the right password is refused while locked
    right = sign_in(Client(), "locked-clerk")
    assert right.status_code == 429 and "_auth_user_id" not in Client().session
    assert len(events("login_fail", user)) >= 6
    lockouts = events("lockout", user)
    assert lockouts and lockouts[0].after["username"] == "locked-clerk" and lockouts[0].after["ip"] == "127.0.0.1"
    assert not events("login", user)


def test_the_token_endpoint_locks_too_and_answers_the_error_envelope(world) -> None:  # noqa: ANN001
    account("api-clerk")
    answers = [token_for("api-clerk", "wrong-Password-1") for _ in range(6)]
    assert answers[0].status_code == 400 and answers[0].json()["error"]["code"] == "authentication_failed"
    assert answers[5].status_code == 429
    error = answers[5].json()["error"]
    assert error["code"] == "locked_out" and "登录失败次数过多" in error["message"]
    assert token_for("api-clerk").status_code == 429


def test_a_source_address_is_locked_across_accounts_and_other_addresses_are_not(world) -> None:  # noqa: ANN001
    account("clerk-a")
    for n in range(5):
        sign_in(Client(), f"no-such-user-{n}", "wrong-Password-1", REMOTE_ADDR="10.1.2.3")
    assert sign_in(Client(), "clerk-a", REMOTE_ADDR="10.1.2.3").status_code == 429
    assert sign_in(Client(), "clerk-a", REMOTE_ADDR="10.1.2.4").status_code == 302


def test_the_limit_and_the_lockout_time_are_configurable(world, settings) -> None:  # noqa: ANN001
    import datetime as dt

    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=40)
    account("clerk-b")
    sign_in(Client(), "clerk-b", "wrong-Password-1")
    locked = sign_in(Client(), "clerk-b", "wrong-Password-1")
    assert locked.status_code == 429 and "40 分钟" in locked.content.decode()


def test_a_success_before_the_limit_clears_the_failures_and_is_audited(world) -> None:  # noqa: ANN001
    user = account("clerk-c")
    for _ in range(4):
        sign_in(Client(), "clerk-c", "wrong-Password-1")
    assert sign_in(Client(), "clerk-c").status_code == 302
    for _ in range(4):
        sign_in(Client(), "clerk-c", "wrong-Password-1")
    assert sign_in(Client(), "clerk-c").status_code == 302
    logins = events("login", user)
    assert len(logins) == 2 and logins[0].actor_name == "clerk-c" and logins[0].source == "web"


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(world, settings) -> None:  # noqa: ANN001
    from django.test import RequestFactory

    from accounts.lockout import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7")
    assert client_ip(request) == "10.0.0.1"  # a client cannot choose its address by sending the header
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "192.0.2.7"


def test_the_account_page_lists_recent_sign_ins_in_chinese(world) -> None:  # noqa: ANN001
    account("page-clerk", ["town_command"])
    sign_in(Client(), "page-clerk", "wrong-Password-1")
    client = Client()
    sign_in(client, "page-clerk")
    page = client.get("/account/").content.decode()
    assert "登录失败" in page and "127.0.0.1" in page and "未绑定（可选）" in page
