from django.contrib import admin

from todos.models import Todo


@admin.register(Todo)
class TodoAdmin(admin.ModelAdmin):
    list_display = ("title", "done", "owner", "created_at")
    list_filter = ("done",)
    search_fields = ("title",)
