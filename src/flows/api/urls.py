from django.urls import path
from rest_framework.routers import DefaultRouter

from flows.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("process-maps", views.ProcessMapViewSet, basename="process-map")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    path("my-tasks/", views.MyTasksView.as_view(), name="my-tasks"),
    *router.urls,
]
