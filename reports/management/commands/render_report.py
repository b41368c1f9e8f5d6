"""Render a report from the command line, as the secretariat does in the browser: pin the
current snapshot, freeze the dataset, render (here, in this process, or queued to a worker with
--queue), and print the files."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports import services
from reports.choices import Format, Language, RunStatus
from reports.models import Report, ReportRun


class Command(BaseCommand):
    help = "Render an Executive Board report (a new run, or --run N again) to Excel, Word, PDF."

    def add_arguments(self, parser):
        parser.add_argument("symbol", nargs="?", help="document symbol, e.g. DP/OPS/2027/2")
        parser.add_argument("--user", required=True, help="who asks (board secretariat)")
        parser.add_argument("--language", default=Language.EN, choices=Language.values)
        parser.add_argument(
            "--formats", default=",".join(Format.values), help="comma-separated: xlsx,docx,pdf"
        )
        parser.add_argument("--run", type=int, help="render this existing run again instead")
        parser.add_argument(
            "--queue", action="store_true", help="send to a Celery worker instead of rendering"
        )

    def handle(self, *args, symbol=None, user, language, formats, run=None, queue=False, **opts):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"no user {user!r}")
        try:
            if run:
                existing = ReportRun.objects.filter(pk=run).first()
                if existing is None:
                    raise CommandError(f"no run {run}")
                target = services.report_run_rerender(actor=actor, run=existing, enqueue=queue)
            else:
                report = Report.objects.filter(symbol=symbol).first() if symbol else None
                if report is None:
                    raise CommandError(f"no report {symbol!r}")
                target = services.report_run_start(
                    actor=actor,
                    report=report,
                    language=language,
                    formats=[f.strip() for f in formats.split(",") if f.strip()],
                    enqueue=queue,
                )
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        if queue:
            self.stdout.write(f"run {target.pk} queued (digest {target.digest})")
            return
        target = services.report_run_execute(run_id=target.pk)
        if target.status != RunStatus.SUCCEEDED:
            raise CommandError(f"run {target.pk} failed: {target.error}")
        self.stdout.write(f"run {target.pk}: snapshot {target.snapshot_id}, digest {target.digest}")
        for f in target.files.all():
            self.stdout.write(f"  {f.format}: {f.file.name} ({f.size} bytes)")
