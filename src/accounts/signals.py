"""Audit of sign-in events and the side effects of a password or role change (issue 11).

Every event writes one audit row through `core.audit.record_event` with the model
"accounts.User", the account's id and division, and the client address in `after`:

    login       a successful sign-in (page, admin or API token)
    login_fail  a failed sign-in (wrong password, unknown account, locked out, refused demo account)
    lockout     django-axes locked an account or a source address
    logout      a sign-out (every API token of the user is revoked with it)
    token_new   an API token issued      token_del   API tokens revoked (count in `after`)
    password    a password set: by the user (`self`) or an initial/reset one (`reset`)
    roles       the roles of an account changed (before/after in `after`)
    otp_add     a TOTP device confirmed  otp_fail    a wrong TOTP code
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from core import audit

USER_MODEL = "accounts.User"


def request_ip(request: Any) -> str:
    from accounts.lockout import client_ip

    django_request = getattr(request, "_request", request)
    if django_request is None or not hasattr(django_request, "META"):
        return ""
    return client_ip(django_request)


def _source(request: Any) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


def user_event(action: str, user: Any, request: Any = None, *, actor: Any = None, **details: Any) -> None:
    """Write one audit row about `user` (see the module docstring for the actions)."""
    after = {"ip": request_ip(request), **details} if request is not None else dict(details)
    audit.record_event(action, model=USER_MODEL, object_id=user.pk, object_repr=user.get_username(),
                       division_code=user.division_id or "", after=after, actor=actor,
                       source=_source(request) if request is not None else None)


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    import time

    session = getattr(request, "session", None)
    if session is not None:  # the session's lifetime starts now (core.middleware.SessionTimeoutMiddleware)
        session["_auth_at"] = session["_seen_at"] = int(time.time())
    user_event("login", user, request, actor=user)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    from accounts.services import tokens_revoke_all

    revoked = tokens_revoke_all(user=user, request=request, reason="logout")
    user_event("logout", user, request, actor=user, tokens_revoked=revoked)


def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    from accounts.models import User

    username = str(credentials.get("username") or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    locked = bool(getattr(getattr(request, "_request", request), "axes_locked_out", False))
    details = {"ip": request_ip(request), "username": username, "locked": locked}
    audit.record_event("login_fail", model=USER_MODEL, object_id=user.pk if user else "", object_repr=username,
                       division_code=(user.division_id or "") if user else "", after=details,
                       source=_source(request) if request is not None else None)


def _locked_out(sender: Any, request: Any, username: str | None = None, ip_address: str | None = None,
                **kwargs: Any) -> None:
    from accounts.models import User

    user = User.objects.filter(username=username).first() if username else None
    audit.record_event("lockout", model=USER_MODEL, object_id=user.pk if user else "", object_repr=username or "",
                       division_code=(user.division_id or "") if user else "",
                       after={"ip": ip_address or "", "username": username or ""},
                       source=_source(request) if request is not None else None)


def _user_pre_save(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    instance._roles_before = None
    if raw or instance.pk is None or instance._state.adding:
        return
    if update_fields is not None and "roles" not in update_fields:
        return
    instance._roles_before = sender._base_manager.filter(pk=instance.pk).values_list("roles", flat=True).first()


def _user_post_save(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    before = getattr(instance, "_roles_before", None)
    if before is not None and sorted(before or []) != sorted(instance.roles or []):
        user_event("roles", instance, before=sorted(before or []), roles=sorted(instance.roles or []))
    if getattr(instance, "_password", None) is not None:
        _password_set(instance, created)


def _password_set(user: Any, created: bool) -> None:
    """A password was saved: by the account itself (`self`), else an initial or reset one that must
    be changed at the next sign-in. Every API token of the account is revoked."""
    from accounts.models import User
    from accounts.services import tokens_revoke_all

    actor_id = audit.current_actor()[0]
    by_self = actor_id is not None and actor_id == user.pk and not created
    must_change = not by_self and not user.is_synthetic
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(must_change_password=must_change, password_changed_at=now)
    user.must_change_password, user.password_changed_at = must_change, now
    revoked = tokens_revoke_all(user=user, reason="password")
    user_event("password", user, kind="self" if by_self else ("initial" if created else "reset"),
               tokens_revoked=revoked)


def connect() -> None:
    from axes.signals import user_locked_out

    from accounts.models import User

    user_logged_in.connect(_logged_in, dispatch_uid="accounts_logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="accounts_logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="accounts_login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="accounts_locked_out")
    pre_save.connect(_user_pre_save, sender=User, dispatch_uid="accounts_user_pre_save")
    post_save.connect(_user_post_save, sender=User, dispatch_uid="accounts_user_post_save")
