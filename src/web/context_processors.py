from typing import Any

from django.conf import settings


def platform(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "PLATFORM_NAME": "基层治理一体化平台",
        "LANGUAGES": settings.LANGUAGES,
        "MAP_TILE_URL": settings.MAP_TILE_URL,  # a deployment's base-map tiles (the CSP allows their host)
        "current_division": getattr(user, "division", None) if user and user.is_authenticated else None,
        "DEMO_MODE": getattr(settings, "PLATFORM_MODE", "demo") != "production",  # the synthetic-data footer
    }
