from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Oversight")

    def ready(self):
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
