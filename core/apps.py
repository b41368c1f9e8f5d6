from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Code that two or more apps need (private files, editorial formatting, COPY helpers):
    it lives here once, and no app imports another app's private module instead."""

    name = "core"
    verbose_name = _("Shared code")

    def ready(self):
        # Register the shared app's tasks in every process (the web process sends them, and
        # the beat schedule names them), not only in a worker's autodiscovery.
        from . import tasks  # noqa: F401
