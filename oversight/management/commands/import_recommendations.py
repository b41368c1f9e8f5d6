from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from oversight import importers


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
        try:
            result, counts = importers.import_file(upload, actor, commit=commit)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for error in result.errors:
            self.stderr.write(f"row {error['row']} {error['column']}: {error['message']}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} errors: nothing written")
        if counts is None:
            self.stdout.write(f"{len(result.rows)} rows are clean (use --commit to import)")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"created {counts['created']}, updated {counts['updated']}")
            )
