from django.contrib.auth import views as auth_views
from django.urls import path

from web.views import pages, personal, work

app_name = "web"

urlpatterns = [
    path("", work.home, name="home"),
    path("todo/", work.todo, name="todo"),
    path("todo/urge/", work.todo_urge, name="todo-urge"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("divisions/", pages.division_tree, name="divisions"),
    path("divisions/<str:code>/", pages.division_detail, name="division"),
    path("leadership/", pages.leadership, name="leadership"),
    path("audit/", pages.audit_log, name="audit"),
    path("calendar/", pages.working_calendar, name="calendar"),
    path("personal/<str:model>/<int:pk>/<str:field>/reveal/", personal.personal_reveal, name="personal-reveal"),
]
