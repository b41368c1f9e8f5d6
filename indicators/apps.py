from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _typed_formatters(model_name):
    """For audit.display: each event target's typed values in words (its indicator's kind,
    unit, decimals and currency), one query for a page of events."""

    def resolve(target_ids):
        from django.apps import apps

        from .formatting import display

        model = apps.get_model("indicators", model_name)
        rows = model.objects.filter(pk__in=[int(i) for i in target_ids if i.isdigit()])
        return {
            str(obj.pk): (lambda data, ind=obj.indicator: display(ind, data))
            for obj in rows.select_related("indicator")
        }

    return resolve


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Results frameworks and indicators")

    def ready(self):
        from audit.display import register_typed_values

        for model_name in ("value", "baseline", "target"):
            register_typed_values(f"indicators.{model_name}", _typed_formatters(model_name))
        from core import jobs

        from .choices import ImportStatus
        from .models import ImportJob, ProgressSnapshot
        from .models.progress import SnapshotStatus
        from .services.imports import import_fail
        from .tasks import IMPORT_TIME_LIMIT, PROGRESS_TIME_LIMIT

        def progress_fail(snapshot, reason):
            from .services.progress import progress_fail

            progress_fail(snapshot, reason)

        # PENDING too: an upload whose message was lost is never claimed (core.jobs).
        working = (ImportStatus.PENDING, ImportStatus.PARSING, ImportStatus.COMMITTING)
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
