from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitiesConfig(AppConfig):
    name = "entities"
    verbose_name = _("Entities and roles")

    def ready(self):
        # Token revocation on password change; the cache of signed-in users and of tokens.
        from . import signals

        signals.connect_token_receivers()
