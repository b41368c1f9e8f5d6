from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # indicators and oversight send domain signals; listening here keeps them from
        # importing this app (the data walks one way).
        from indicators.signals import value_returned
        from oversight.signals import closure_proposed

        from . import receivers

        value_returned.connect(receivers.on_value_returned, dispatch_uid="rf_notify_returned")
        closure_proposed.connect(receivers.on_closure_proposed, dispatch_uid="rf_notify_closure")

        # The unread count in the header is cached per user: a notification made, changed or
        # deleted by any path (services, admin) moves its recipient's count on.
        from django.db.models.signals import post_delete, post_save

        from .models import Notification

        for signal, uid in ((post_save, "rf_notes_s"), (post_delete, "rf_notes_d")):
            signal.connect(receivers.on_notification_changed, sender=Notification, dispatch_uid=uid)
