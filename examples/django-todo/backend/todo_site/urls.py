"""Django answers the JSON API, its login pages, the admin and its static files; fastn the rest."""

from django.contrib import admin
from django.urls import include, path
from todos import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/todos/", views.todos, name="todos"),
    path("api/session/", views.session, name="session"),
    path("api/logout/", views.log_out, name="logout-json"),
    path("api/todos/<int:todo_id>/toggle/", views.toggle, name="toggle"),
    path("api/todos/<int:todo_id>/edit/", views.edit, name="edit"),
    path("api/todos/<int:todo_id>/delete/", views.delete, name="delete"),
]
