from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_repr", "entity"]
    list_filter = ["action"]
    search_fields = ["target_repr", "reason"]
    list_select_related = ["actor", "entity"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
