from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("catalog/", views.index, name="index"),
    path("catalog/items/", views.items, name="items"),
    path("catalog/lists/<int:pk>/", views.list_detail, name="list"),
    path("catalog/lists/<int:pk>/export.xlsx", views.list_export, name="list-export"),
    path("catalog/lists/<int:pk>/import/", views.list_import, name="list-import"),
    path("catalog/matters/", views.matters, name="matters"),
    path("catalog/matters/<str:matter>/<str:town>/", views.responsibility_edit, name="responsibility"),
    path("catalog/gaps/", views.gaps, name="gaps"),
    path("catalog/admissions/", views.admissions, name="admissions"),
    path("catalog/admissions/<int:pk>/", views.admission_detail, name="admission"),
    path("catalog/changes/", views.changes, name="changes"),
    path("catalog/changes/<int:pk>/", views.change_detail, name="change"),
    path("public/lists/", views.public_index, name="public-index"),
    path("public/lists/<str:code>/", views.public_town, name="public-town"),
    path("public/lists/<str:code>/<str:kind>.xlsx", views.public_town_export, name="public-town-export"),
]
