from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Oversight")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core import jobs

        from .choices import ImportStatus
        from .models import RecommendationImport
        from .services_imports import recommendation_import_fail
        from .tasks import IMPORT_TIME_LIMIT

        working = (ImportStatus.PARSING, ImportStatus.COMMITTING)
        jobs.register(
            "oversight.import",
            working=lambda: RecommendationImport.objects.filter(status__in=working),
            fail=recommendation_import_fail,
            time_limit=IMPORT_TIME_LIMIT,
        )
        # A user's oversight bodies are cached under their own scope (auditor_body_ids): any
        # change of one of their body memberships, by whatever path, moves it on.
        from .models import OversightBodyMember

        post_save.connect(_body_member_changed, sender=OversightBodyMember, dispatch_uid="rf_obm_s")
        post_delete.connect(
            _body_member_changed, sender=OversightBodyMember, dispatch_uid="rf_obm_d"
        )


def _body_member_changed(sender, instance, **kwargs):
    from core.cache import bump_for_write, user_scope

    bump_for_write(user_scope(instance.user_id))
