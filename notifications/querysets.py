from django.db import models


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A user sees only their own notifications (shown in the application)."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user, in_app=True)

    def unread(self):
        return self.filter(read_at__isnull=True)
