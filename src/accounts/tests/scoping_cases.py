from typing import Any

from accounts.models import PasswordHistory, User
from core.roles import Role
from core.testing.cases import ScopeCase


def make_user(world: Any) -> Any:
    return User.objects.create(username="wantou-worker", division=world.town_b, roles=[Role.GRID_WORKER])


def make_history(world: Any) -> Any:
    user = User.objects.create(username="wantou-history", division=world.town_b, roles=[Role.GRID_WORKER])
    return PasswordHistory.objects.create(user=user, password="!unusable")


CASES = [ScopeCase(model=User, make=make_user), ScopeCase(model=PasswordHistory, make=make_history, admin=False)]
EXEMPT_URLS = {
    "auth-token": "exchanges the caller's own credentials for a token",
    "auth-logout": "revokes the caller's own tokens only",
    "auth-me": "the caller's own account only",
    "accounts:security": "the caller's own account only",
    "accounts:otp": "the caller's own TOTP device only",
    "accounts:password-change": "the caller's own password only",
    "accounts:tokens-revoke": "revokes the caller's own tokens only",
}
