"""Reads of the sharing app: keys, call logs, subscriptions, deliveries and imports a user may see."""
from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.roles import COMMAND_ROLES, Role, has_role
from sharing.models import ApiCall, ApiKey, ImportRun, ImportSource, WebhookDelivery, WebhookSubscription
from sharing.permissions import manages_all, reads_all_logs


def keys_for(user: Any) -> Any:
    """Keys `user` may see: all for the security/audit administrators; in the user's subtree for
    command centres and auditors; otherwise the keys they issued that are still in their subtree."""
    qs = ApiKey.objects.select_related("division", "created_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if manages_all(user) or reads_all_logs(user):
        return qs.all()
    scoped = qs.visible_to(user)
    if has_role(user, COMMAND_ROLES, Role.AUDITOR):
        return scoped
    return scoped.filter(created_by=user)


def calls_for(user: Any) -> Any:
    """Call log rows readable by `user` (owner, centres and auditor of the subtree, the administrators)."""
    if not getattr(user, "is_authenticated", False):
        return ApiCall.objects.none()
    if reads_all_logs(user):
        return ApiCall.objects.select_related("key")
    scoped = ApiCall.objects.visible_to(user).select_related("key")
    if has_role(user, COMMAND_ROLES, Role.AUDITOR):
        return scoped
    return scoped.filter(key__created_by=user)


def subscriptions_for(user: Any) -> Any:
    keys = keys_for(user).values("pk")
    return WebhookSubscription.objects.filter(key__in=keys).select_related("key")


def subscriptions_of_key(key: ApiKey) -> Any:
    return WebhookSubscription.objects.filter(key=key)


def deliveries_for(user: Any) -> Any:
    return WebhookDelivery.objects.filter(subscription__in=subscriptions_for(user).values("pk"))


def imports_for(user: Any) -> Any:
    if manages_all(user):
        return ImportRun.objects.all()
    return ImportRun.objects.visible_to(user)


def sources_for(user: Any) -> Any:
    if manages_all(user):
        return ImportSource.objects.all()
    return ImportSource.objects.visible_to(user)


def runs_of_key(key: ApiKey) -> Any:
    return ImportRun.objects.filter(Q(key=key))
