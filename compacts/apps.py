from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompactsConfig(AppConfig):
    name = "compacts"
    verbose_name = _("Compacts")

    def ready(self):
        from indicators.signals import values_changed

        from .receivers import roll_up_changed_reports

        values_changed.connect(roll_up_changed_reports, dispatch_uid="compacts.roll_up")
