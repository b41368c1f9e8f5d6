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
