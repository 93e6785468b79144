from accounts.models import User
from core.testing.cases import ScopeCase


def make_user(world):  # noqa: ANN001, ANN201
    return User.objects.create(username="wantou-worker", division=world.town_b, roles=["grid_worker"])


CASES = [ScopeCase(model=User, make=make_user)]
EXEMPT_URLS = {
    "auth-token": "exchanges the caller's own credentials for a token",
    "auth-me": "the caller's own account only",
}
