from typing import Any, Callable

from core import audit


class AuditActorMiddleware:
    """Attribute page and admin writes to the signed-in user."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        source = "admin" if request.path.startswith("/admin/") else "web"
        if request.path.startswith("/api/"):
            source = "api"  # refined after DRF authentication in core.api.views
        audit.set_actor(getattr(request, "user", None), source)
        return self.get_response(request)
