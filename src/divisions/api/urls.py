from rest_framework.routers import DefaultRouter

from divisions.api.views import DivisionViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("divisions", DivisionViewSet, basename="division")
urlpatterns = router.urls
