from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Results frameworks and indicators")

    def ready(self):
        from core import jobs

        from .choices import ImportStatus
        from .models import ImportJob, ProgressSnapshot
        from .models.progress import SnapshotStatus
        from .services.imports import import_fail
        from .tasks import IMPORT_TIME_LIMIT, PROGRESS_TIME_LIMIT

        def progress_fail(snapshot, reason):
            from .services.progress import progress_fail

            progress_fail(snapshot, reason)

        working = (ImportStatus.PARSING, ImportStatus.COMMITTING)
        jobs.register(
            "indicators.import",
            working=lambda: ImportJob.objects.filter(status__in=working),
            fail=import_fail,
            time_limit=IMPORT_TIME_LIMIT,
        )
        jobs.register(
            "indicators.progress",
            working=lambda: ProgressSnapshot.objects.filter(status=SnapshotStatus.RUNNING),
            fail=progress_fail,
            time_limit=PROGRESS_TIME_LIMIT,
        )
