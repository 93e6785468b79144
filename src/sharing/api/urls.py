from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from sharing.api import views

router = SimpleRouter()
router.register("sharing/keys", views.ApiKeyViewSet, basename="sharing-key")
router.register("sharing/calls", views.ApiCallViewSet, basename="sharing-call")
router.register("sharing/subscriptions", views.SubscriptionViewSet, basename="sharing-subscription")
router.register("sharing/deliveries", views.DeliveryViewSet, basename="sharing-delivery")
router.register("sharing/imports", views.ImportRunViewSet, basename="sharing-import")

urlpatterns: list[URLPattern | URLResolver] = [
    path("sharing/export/events/", views.UserExportView.as_view(), name="sharing-user-export"),
    path("sharing/v1/events/", views.KeyEventsView.as_view(), name="sharing-v1-events"),
    path("sharing/v1/events/<int:pk>/", views.KeyEventDetailView.as_view(), name="sharing-v1-event"),
    path("sharing/v1/stats/", views.KeyStatsView.as_view(), name="sharing-v1-stats"),
    path("sharing/v1/export/", views.KeyExportView.as_view(), name="sharing-v1-export"),
    path("sharing/v1/workorders/", views.KeyWorkOrdersView.as_view(), name="sharing-v1-workorders"),
    path("sharing/v1/workorders/<int:pk>/", views.KeyWorkOrderRunView.as_view(), name="sharing-v1-workorder-run"),
    path("sharing/v1/lists/", views.KeyListsView.as_view(), name="sharing-v1-lists"),
    path("sharing/v1/lists/<int:pk>/", views.KeyListDetailView.as_view(), name="sharing-v1-list"),
    path("sharing/v1/subscriptions/", views.KeySubscriptionsView.as_view(), name="sharing-v1-subscriptions"),
    *router.urls,
]
