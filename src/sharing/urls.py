from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("sharing/keys/", views.keys, name="keys"),
    path("sharing/keys/<int:pk>/", views.key_detail, name="key"),
    path("sharing/keys/<int:pk>/revoke/", views.key_revoke, name="key-revoke"),
]
