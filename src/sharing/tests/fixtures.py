"""Sharing fixtures on top of the events world (events/tests/factory.py): keys, a published class."""
from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from sharing import services
from sharing.models import Open311Service


def key(ew: Any, division: str, scopes: list[str], *, user: Any = None, text: str | None = None,
        rate: int = 600) -> services.IssuedKey:
    from divisions.models import Division

    return services.apikey_create(user=user or ew.users["city_centre"], name=f"系统-{division}",
                                  division=Division.objects.get(code=division), scopes=scopes, rate_per_minute=rate,
                                  text=text)


def client_for(text: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=text)
    return client


def publish(code: str, **extra: Any) -> Open311Service:
    from events.models import EventClass

    return Open311Service.objects.create(event_class=EventClass.objects.get(code=code), public=True, **extra)
