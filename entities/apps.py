from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitiesConfig(AppConfig):
    name = "entities"
    verbose_name = _("Entities and roles")

    def ready(self):
        from . import signals  # noqa: F401  (connects the token revocation on password change)
