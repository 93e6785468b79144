from django.urls import path

from assess import views

app_name = "assess"

urlpatterns = [
    path("assess/", views.dashboard, name="dashboard"),
    path("assess/results/", views.results, name="results"),
    path("assess/results/<int:pk>/<str:part>/", views.drill, name="drill"),
    path("assess/towns/<str:code>/", views.town, name="town"),
    path("assess/compliance/", views.compliance_table, name="compliance-table"),
    path("assess/compliance/<str:code>/", views.compliance_town, name="compliance"),
    path("assess/reports/", views.report_list, name="reports"),
    path("assess/reports/<int:pk>/", views.report_detail, name="report"),
    path("assess/runs/", views.runs, name="runs"),
    path("assess/runs/<int:pk>/", views.run_detail, name="run"),
    path("assess/config/", views.config, name="config"),
    path("assess/stationed/", views.stationed, name="stationed"),
]
