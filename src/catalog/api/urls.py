from django.urls import path
from rest_framework.routers import DefaultRouter

from catalog.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("catalog/items", views.ItemViewSet, basename="catalog-item")
router.register("catalog/matters", views.MatterViewSet, basename="catalog-matter")
router.register("catalog/lists", views.ItemListViewSet, basename="catalog-list")
router.register("catalog/list-versions", views.ListVersionViewSet, basename="catalog-list-version")
router.register("catalog/responsibilities", views.ResponsibilityViewSet, basename="catalog-responsibility-row")
router.register("catalog/admissions", views.AdmissionViewSet, basename="catalog-admission")
router.register("catalog/assignments", views.AssignmentViewSet, basename="catalog-assignment")
router.register("catalog/changes", views.PowerChangeViewSet, basename="catalog-change")

urlpatterns = [
    path("catalog/responsibility/", views.ResponsibilityAnswerView.as_view(), name="catalog-responsibility"),
    path("catalog/gaps/", views.GapsView.as_view(), name="catalog-gaps"),
    path("catalog/handover-check/", views.HandoverCheckView.as_view(), name="catalog-handover-check"),
    *router.urls,
]
