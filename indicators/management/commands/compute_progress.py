from datetime import date

from django.core.management.base import BaseCommand, CommandError

from indicators.services.progress import (
    FullRunInProgress,
    progress_compute_full,
    progress_compute_indicator,
    progress_prune,
)


class Command(BaseCommand):
    help = (
        "Recompute progress for every indicator into a new snapshot and make it current "
        "(or fold one indicator into the current snapshot with --indicator). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--indicator", type=int, help="only this indicator (its id)")
        parser.add_argument(
            "--as-of", type=date.fromisoformat, help="the as-of date (default: today)"
        )
        parser.add_argument("--no-prune", action="store_true", help="keep every older snapshot")

    def handle(self, *args, indicator=None, as_of=None, no_prune=False, **options):
        if indicator:
            try:
                snapshot = progress_compute_indicator(indicator_id=indicator)
            except FullRunInProgress as exc:
                raise CommandError(
                    "a full computation is running; it folds this indicator in (it is marked)"
                ) from exc
            self.stdout.write(f"indicator {indicator} folded into snapshot {snapshot.pk}")
            return
        snapshot = progress_compute_full(as_of=as_of)
        seconds = (snapshot.finished_at - snapshot.created_at).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(
                f"snapshot {snapshot.pk}: {snapshot.result_count} results as of "
                f"{snapshot.as_of} in {seconds:.1f} s"
            )
        )
        if not no_prune:
            self.stdout.write(f"pruned {progress_prune()} old snapshot(s)")
