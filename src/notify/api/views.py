"""Inbox API: list (own and own unit's; `?unread=true`), detail, mark read, mark all, unread count."""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import ScopedReadOnlyViewSet
from notify import selectors, services
from notify.api import serializers as s
from notify.filtersets import NotificationFilterSet
from notify.models import Notification


class NotificationViewSet(ScopedReadOnlyViewSet):
    """The signed-in user's inbox. Every signed-in user may read and mark their own inbox, so no
    role is needed to write; the queryset is the user's inbox for every method (others' rows are
    404)."""

    queryset = Notification.objects.all()
    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilterSet
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> Any:
        return selectors.inbox_for(self.request.user).select_related("unit")

    @extend_schema(request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        row = services.notification_mark_read(user=request.user, notification_id=self.get_object().pk)
        return Response(s.NotificationSerializer(row, context={"request": request}).data)

    @extend_schema(request=None, responses=s.MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})

    @extend_schema(responses=s.UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", url_name="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response(selectors.unread_counts(request.user))
