from django.urls import path

from grids import views as grids_views
from mobile import views

app_name = "mobile"

urlpatterns = [
    path("m/", views.home, name="home"),
    path("m/report/", views.report, name="report"),
    path("m/mine/", views.mine, name="mine"),
    path("m/verify/", views.verify_list, name="verify-list"),
    path("m/verify/<int:pk>/", views.verify, name="verify"),
    # the phone patrol page of grids, served under /m/ so that it is part of the installed app
    path("m/patrol/", grids_views.patrol_page, name="patrol"),
    path("m/sw.js", views.service_worker, name="sw"),
    path("m/manifest.webmanifest", views.manifest, name="manifest"),
]
