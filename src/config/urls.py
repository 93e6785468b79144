"""URL map: pages at the root, the REST API under /api/, OpenAPI at /api/schema/."""
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from web.views.health import healthz, readyz

api_patterns: list[URLPattern | URLResolver] = [
    # first: the events intake is the busiest write, and every include tried before it costs a
    # failed match of each of its patterns (the routers' lists are long); no prefix overlaps
    path("", include("events.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("core.api.urls")),
    path("", include("divisions.api.urls")),
    path("org/", include("org.api.urls")),
    path("", include("notify.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("flows.api.urls")),
    path("", include("grids.api.urls")),
    path("", include("sharing.api.urls")),
    path("", include("assess.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),  # no inline script (CSP)
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("core.urls")),  # stored files, scoped by their owning rows (core.downloads)
    path("", include("notify.urls")),
    path("", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("flows.urls")),
    path("", include("grids.urls")),
    path("", include("events.urls")),
    path("", include("assess.urls")),
    path("", include("command.urls")),
    path("", include("mobile.urls")),
    path("", include("citizen.urls")),
    path("open311/v2/", include("sharing.open311.urls")),
    path("", include("sharing.urls")),
    path("", include("web.urls")),
]

handler400 = "web.views.errors.bad_request"
handler403 = "web.views.errors.permission_denied"
handler404 = "web.views.errors.not_found"
handler500 = "web.views.errors.server_error"
