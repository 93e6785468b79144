from django.urls import path

from notify import views

app_name = "notify"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/read-all/", views.mark_all_read, name="read-all"),
    path("messages/<int:pk>/read/", views.mark_read, name="read"),
]
