from django.urls import path

from command import views

app_name = "command"

urlpatterns = [
    path("command/", views.screen, name="screen"),
    path("command/state/", views.state, name="state"),
    path("command/unread/", views.unread, name="unread"),
]
