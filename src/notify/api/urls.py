from rest_framework.routers import DefaultRouter

from notify.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
