from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from oversight import services
from oversight.choices import ImportStatus


class Command(BaseCommand):
    help = (
        "Check, then with --commit import, an .xlsx or .csv file of recommendations as the "
        "given user (who must audit every body in the file). Nothing is written unless every "
        "row is clean."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--user", required=True, help="username of the importing auditor")
        parser.add_argument("--commit", action="store_true", help="write a clean file")

    def handle(self, path, user, commit, **options):
        try:
            actor = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user {user!r}") from exc
        with open(path, "rb") as f:
            upload = SimpleUploadedFile(path.rsplit("/", 1)[-1], f.read())
        try:  # the same import job and services as the page and the API, run here and now
            job = services.recommendation_import_create(
                upload=upload, actor=actor, in_background=False
            )
            if commit and job.status == ImportStatus.READY:
                job = services.recommendation_import_commit(
                    job=job, actor=actor, in_background=False
                )
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        for error in job.errors:
            self.stderr.write(f"row {error['row']} {error['column']}: {error['message']}")
        if job.errors:
            raise CommandError(f"{len(job.errors)} errors: nothing written")
        if job.status == ImportStatus.COMMITTED:
            self.stdout.write(
                self.style.SUCCESS(f"created {job.created_count}, updated {job.updated_count}")
            )
        else:
            self.stdout.write(f"{job.rows_to_write} rows are clean (use --commit to import)")
