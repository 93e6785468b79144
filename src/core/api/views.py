"""API base views: one scoped queryset for every list, detail and write."""
from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

from core import audit
from core.api.permissions import RoleWritePermission
from core.api.serializers import restrict_serializer
from core.filters import ScopedFilterBackend
from core.scoping import restrict_prefetches


class ActorMixin:
    """Sets the audit actor once the request is authenticated (every API view needs it)."""

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        audit.set_actor(request.user, "api")


class RestrictedSerializerMixin:
    """Every serializer a generic view builds — for answers and for the browsable API's HTML
    and raw-data forms — is restricted to the user's rows (`restrict_serializer`), whatever
    serializer class the app used."""

    request: Any

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)  # type: ignore[misc]
        return restrict_serializer(serializer, getattr(self.request, "user", None))


class PlatformAPIView(ActorMixin, APIView):
    """The base of every non-model API view: audit actor set, errors in the platform envelope."""


# Row ids are integers: `/api/cases/true/complete/` is a 404 from the resolver, not a query that
# turns "true" into int() (a 500). A viewset keyed otherwise sets its own (divisions: 12 digits).
INTEGER_LOOKUP = "[0-9]+"


class PlatformViewSet(RestrictedSerializerMixin, ActorMixin, viewsets.GenericViewSet):
    """The base of a viewset that is not a scoped model viewset."""

    filter_backends: Any = [ScopedFilterBackend]
    lookup_value_regex = INTEGER_LOOKUP


class ScopedViewSetMixin(RestrictedSerializerMixin, ActorMixin):
    """Reads see `visible_to(user)`; writes reach only `writable_by(user)` (else 404).

    After a create or update the saved row is checked again inside the transaction: if it
    left the user's subtree (say, moved to another town) the write is rolled back (NetBox's
    re-check after save).
    """

    permission_classes: Any = [RoleWritePermission]
    filter_backends: Any = [ScopedFilterBackend]
    lookup_value_regex = INTEGER_LOOKUP
    write_roles: tuple[str, ...] = ()
    queryset: Any
    request: Any

    def base_queryset(self) -> Any:
        return self.queryset.all()

    def get_queryset(self) -> Any:
        qs = restrict_prefetches(self.base_queryset(), self.request.user)
        if self.request.method in SAFE_METHODS:
            return qs.visible_to(self.request.user)
        return qs.writable_by(self.request.user)

    def _recheck(self, instance: Any) -> None:
        model = type(instance)
        if not model.objects.writable_by(self.request.user).filter(pk=instance.pk).exists():
            raise PermissionDenied("保存后的对象不在您的管辖范围内，操作已撤销")

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic():
            instance = serializer.save()
            self._recheck(instance)

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic():
            instance = serializer.save()
            self._recheck(instance)


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
