"""Account reads for the security page."""
from __future__ import annotations

from typing import Any

from django.utils import timezone


def live_tokens(*, user: Any) -> list[Any]:
    """The account's unexpired API tokens, newest first (key prefix, created, expiry)."""
    from django.db.models import Q
    from knox.models import get_token_model

    now = timezone.now()
    return list(get_token_model().objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gt=now))
                .order_by("-created").only("token_key", "created", "expiry"))


def recent_sign_ins(*, user: Any, limit: int = 10) -> list[dict[str, Any]]:
    """The account's last sign-in events from the audit log: `{at, action (Chinese), ip}`."""
    from core.audit_read import ACTIONS
    from core.models import AuditLog

    rows = (AuditLog.objects.filter(model="accounts.User", object_id=str(user.pk),
                                    action__in=("login", "login_fail", "lockout", "logout"))
            .order_by("-at", "-id")[:limit])
    return [{"at": e.at, "action": ACTIONS.get(e.action, e.action), "ip": (e.after or {}).get("ip", "")} for e in rows]
