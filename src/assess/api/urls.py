from django.urls import path
from rest_framework.routers import DefaultRouter

from assess.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("assess/indicators", views.IndicatorVersionViewSet, basename="assess-indicator")
router.register("assess/schemes", views.SchemeVersionViewSet, basename="assess-scheme")
router.register("assess/results", views.ResultViewSet, basename="assess-result")
router.register("assess/scores", views.ScoreViewSet, basename="assess-score")
router.register("assess/runs", views.RunViewSet, basename="assess-run")
router.register("assess/dispatches", views.StationedDispatchViewSet, basename="assess-dispatch")
router.register("assess/suggestions", views.SuggestionViewSet, basename="assess-suggestion")
router.register("assess/dual-scores", views.DualScoreViewSet, basename="assess-dual-score")
router.register("assess/reports", views.AssessReportViewSet, basename="assess-report")

urlpatterns = [
    path("assess/compliance/", views.ComplianceView.as_view(), name="assess-compliance"),
    path("assess/dashboard/", views.DashboardView.as_view(), name="assess-dashboard"),
    *router.urls,
]
