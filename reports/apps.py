from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Executive Board reports: drafts with their narrative, runs that freeze a dataset from a
    pinned progress snapshot and render it to Excel, Word and PDF, the archive and publishing."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from core import jobs

        from . import services
        from .exports import ready as exports_ready
        from .models import ReportRun
        from .tasks import RENDER_TIME_LIMIT

        jobs.register(
            "reports.run",
            working=lambda: ReportRun.objects.filter(status__in=services.WORKING),
            fail=services.report_run_fail,
            resend=services.report_run_resend,
            time_limit=RENDER_TIME_LIMIT,
        )
        exports_ready()
