"""The platform's URL map plus `POST /bench/bare-insert/`, mounted only in the intake benchmark's
settings (`bench/cases/_intake_settings.py`), never in production URLs.

The bare endpoint is the floor the intake is measured against: the same stack (gunicorn, Django
middleware, DRF authentication and JSON parsing, the platform's API base view and error handler,
one transaction) doing the least an intake must do — insert one row, answer 201 with JSON."""
from __future__ import annotations

from django.db import transaction
from django.urls import path
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from config.urls import handler404, handler500
from config.urls import urlpatterns as platform_urls
from core.api.views import PlatformAPIView
from core.models import AuditLog


class BareInsert(PlatformAPIView):
    """One row (an audit-log row: a real platform table with its indexes), nothing else."""

    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        with transaction.atomic():
            row = AuditLog.objects.create(actor_id=request.user.pk, actor_name=request.user.get_username(),
                                          source="bench", action="create", model="bench.BareInsert",
                                          object_id=str(body.get("client_id", ""))[:64], after=body)
        return Response({"id": row.pk}, status=status.HTTP_201_CREATED)


urlpatterns = [path("bench/bare-insert/", BareInsert.as_view()), *platform_urls]
__all__ = ["handler404", "handler500", "urlpatterns"]
