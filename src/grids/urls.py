from django.urls import path

from grids import views

app_name = "grids"

urlpatterns = [
    path("grids/", views.grid_list, name="list"),
    path("grids/import/", views.grid_import, name="import"),
    path("grids/import/confirm/", views.grid_import_confirm, name="import-confirm"),
    path("grids/map/", views.grid_map, name="map"),
    path("grids/map/<str:code>/", views.grid_map, name="map-division"),
    path("grids/patrol/", views.patrol_page, name="patrol"),
    path("grids/rhythm/", views.rhythm, name="rhythm"),
    path("grids/findings/", views.findings, name="findings"),
    path("grids/<int:pk>/", views.grid_detail, name="detail"),
]
