from django.urls import path

from flows import views

app_name = "flows"

urlpatterns = [
    path("flows/maps/", views.maps, name="maps"),
    path("flows/maps/<int:pk>/", views.map_detail, name="map"),
    path("flows/items/<str:code>/", views.item_map, name="item"),
    path("flows/cases/", views.cases, name="cases"),
    path("flows/cases/<int:pk>/", views.case_detail, name="case"),
]
