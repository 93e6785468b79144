from django.urls import path

from citizen import views

app_name = "citizen"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/lookup/", views.lookup, name="lookup"),
    path("report/outlines.geojson", views.outlines, name="outlines"),
    path("report/<str:code>/", views.status, name="status"),
]
