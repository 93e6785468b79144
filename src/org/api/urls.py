from django.urls import path
from rest_framework.routers import DefaultRouter

from org.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("unit-templates", views.UnitTemplateViewSet, basename="unit-template")
router.register("unit-template-entries", views.UnitTemplateEntryViewSet, basename="unit-template-entry")
router.register("units", views.UnitViewSet, basename="unit")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("posts", views.PostViewSet, basename="post")
router.register("absences", views.AbsenceViewSet, basename="absence")

urlpatterns = [
    path("leadership-checks/", views.LeadershipCheckView.as_view(), name="leadership-checks"),
    *router.urls,
]
