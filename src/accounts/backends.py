"""The password backend: Django's ModelBackend, refusing demo accounts and the demo password in
production (PLATFORM_MODE=production)."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.security import DEMO_PASSWORD, is_demo_account, production


class PlatformModelBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if production() and password == DEMO_PASSWORD:
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and production() and is_demo_account(user):
            return None
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        if production() and is_demo_account(user):
            return False
        return super().user_can_authenticate(user)
