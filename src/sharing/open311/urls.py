from django.urls import URLPattern, re_path

from sharing.open311 import views

F = r"\.(?P<fmt>json|xml)$"

urlpatterns: list[URLPattern] = [
    re_path(r"^discovery" + F, views.DiscoveryView.as_view(), name="open311-discovery"),
    re_path(r"^services" + F, views.ServicesView.as_view(), name="open311-services"),
    re_path(r"^services/(?P<code>[0-9A-Za-z_-]{1,20})" + F, views.ServiceDefinitionView.as_view(),
            name="open311-service"),
    re_path(r"^requests" + F, views.RequestsView.as_view(), name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/.]{1,30})" + F, views.RequestView.as_view(), name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/.]{1,60})" + F, views.TokenView.as_view(), name="open311-token"),
]
