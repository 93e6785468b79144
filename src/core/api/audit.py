"""The audit log API: read-only, scoped, and only for auditors and the command centres."""
from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from core.api.views import ScopedReadOnlyViewSet
from core.audit import READER_ROLES
from core.models import AuditLog
from core.roles import has_role


class AuditLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditLog
        fields = ["id", "at", "actor_id", "actor_name", "source", "action", "model", "object_id", "object_repr",
                  "before", "after", "reason", "division_code", "seal_seq", "seal_hash"]


class AuditLogFilterSet(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["model", "object_id", "action", "actor_name", "source", "since", "until"]


class AuditReaderPermission(BasePermission):
    """Signed in and holding one of `core.audit.READER_ROLES` (auditor, command centres)."""

    message = "审计日志仅审计人员和指挥中心可以查看"

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and has_role(user, READER_ROLES))


class AuditLogViewSet(ScopedReadOnlyViewSet):
    """The audit log of your subtree (append-only, read-only; auditors and command centres only).

    `seal_seq` / `seal_hash` are the row's place in the HMAC-SM3 chain once the background job has
    sealed it (`manage.py verify_audit` recomputes the chain)."""

    queryset = AuditLog.objects.all()
    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilterSet
    permission_classes = [AuditReaderPermission]
