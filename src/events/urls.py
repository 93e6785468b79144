from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/export.xlsx", views.event_export, name="export"),
    path("events/gaps/", views.routing_gaps, name="gaps"),
    path("events/calls/", views.call_inbox, name="calls"),
    path("events/calls/<int:pk>/<str:step>/", views.call_step, name="call-step"),
    path("events/<int:pk>/", views.event_detail, name="detail"),
    path("events/<int:pk>/act/<str:action>/", views.event_act, name="act"),
]
