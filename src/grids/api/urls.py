from django.urls import path
from rest_framework.routers import DefaultRouter

from grids.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("grids/workers", views.WorkerViewSet, basename="grid-worker")
router.register("grids/memberships", views.MembershipViewSet, basename="grid-membership")
router.register("grids/patrols", views.PatrolViewSet, basename="grid-patrol")
router.register("grids/findings", views.FindingViewSet, basename="grid-finding")
router.register("grids/versions", views.VersionViewSet, basename="grid-version")
router.register("grids/reports", views.ReportViewSet, basename="grid-report")
router.register("grids", views.GridViewSet, basename="grid")

# the fixed paths come before the router's `grids/<pk>/`
urlpatterns = [
    path("grids/locate/", views.LocateView.as_view(), name="grid-locate"),
    path("grids/coverage/", views.CoverageView.as_view(), name="grid-coverage"),
    path("grids/analysis/", views.AnalysisView.as_view(), name="grid-analysis"),
    *router.urls,
]
