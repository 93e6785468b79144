"""The audited reveal action for viewsets whose model has personal fields (core.personal)."""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.personal import reveal_personal


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="the personal field's name, e.g. phone")


class RevealResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField(help_text="the unmasked value; this read is audited")


class RevealPersonalMixin:
    """Adds `POST <detail>/reveal/ {"field": "phone"}` → `{"field", "value"}` to a scoped viewset.

    A POST, not a GET: each call writes an audit row, and must not be prefetched or cached. The row
    is looked up among the rows the user may *see* (an outsider gets 404); `reveal_personal`
    checks the field's reveal roles (403 otherwise) and writes the audit row.
    """

    def get_queryset(self) -> Any:
        if getattr(self, "action", None) == "reveal":
            return self.base_queryset().visible_to(self.request.user)  # type: ignore[attr-defined]
        return super().get_queryset()  # type: ignore[misc]

    @extend_schema(request=RevealRequestSerializer, responses=RevealResponseSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reveal(self, request: Request, pk: Any = None) -> Response:
        body = RevealRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obj = self.get_object()  # type: ignore[attr-defined]
        name = body.validated_data["field"]
        value = reveal_personal(user=request.user, obj=obj, field=name)
        return Response({"field": name, "value": value}, headers={"Cache-Control": "no-store"})
