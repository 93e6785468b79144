from rest_framework.routers import DefaultRouter

from core.api.audit import AuditLogViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("audit", AuditLogViewSet, basename="audit")
urlpatterns = router.urls
