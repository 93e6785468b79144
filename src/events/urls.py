from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/gaps/", views.routing_gaps, name="gaps"),
    path("events/<int:pk>/", views.event_detail, name="detail"),
]
