from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Code that two or more apps need (private files, editorial formatting, COPY helpers):
    it lives here once, and no app imports another app's private module instead."""

    name = "core"
    verbose_name = _("Shared code")
