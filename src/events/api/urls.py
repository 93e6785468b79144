from rest_framework.routers import DefaultRouter

from events.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("events", views.EventViewSet, basename="event")
router.register("event-classes", views.EventClassViewSet, basename="event-class")

urlpatterns = [*router.urls]
