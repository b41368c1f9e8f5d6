from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Executive Board reports: drafts with their narrative, runs that freeze a dataset from a
    pinned progress snapshot and render it to Excel, Word and PDF, the archive and publishing."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from .exports import ready as exports_ready

        exports_ready()
