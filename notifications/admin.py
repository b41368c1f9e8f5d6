from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: notifications are sent and read through the notifications services."""

    list_display = ["recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Read-only: each user chooses on their notifications page (audited)."""

    list_display = ["user", "kind", "in_app", "email"]
    raw_id_fields = ["user"]
