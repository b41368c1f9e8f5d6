"""Thin Celery entry points: ids in, a service call, safe to run twice.

Tasks that work on a job row (an import, a progress snapshot) claim it first (core.jobs) and
are declared acks_late and reject_on_worker_lost with time limits: a worker that dies loses
no message, and core.jobs.sweep() marks the job it left failed, with the reason."""

import contextlib
import random
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError

from core.jobs import JOB_TASK_OPTIONS, job_claim

from .choices import ImportStatus
from .models import ImportJob

IMPORT_TIME_LIMIT = timedelta(minutes=30)
PROGRESS_TIME_LIMIT = timedelta(minutes=60)


def _claim_import(job_id, statuses):
    """Claim the import if it is still to be done (a message delivered again after the sweeper
    failed its job, or after it was done, leaves it alone)."""
    if not ImportJob.objects.filter(pk=job_id, status__in=statuses).exists():
        return False
    job_claim(ImportJob, job_id)
    return True


@shared_task(
    **JOB_TASK_OPTIONS,
    time_limit=IMPORT_TIME_LIMIT.total_seconds(),
    soft_time_limit=IMPORT_TIME_LIMIT.total_seconds() - 5 * 60,
)
def import_preview(job_id):
    from .services.imports import import_job_preview

    if _claim_import(job_id, {ImportStatus.PENDING, ImportStatus.PARSING}):
        import_job_preview(job_id=job_id)


@shared_task(
    **JOB_TASK_OPTIONS,
    time_limit=IMPORT_TIME_LIMIT.total_seconds(),
    soft_time_limit=IMPORT_TIME_LIMIT.total_seconds() - 5 * 60,
)
def import_commit(job_id):
    from .services.imports import import_job_write

    if _claim_import(job_id, {ImportStatus.READY, ImportStatus.COMMITTING}):
        import_job_write(job_id=job_id)


@shared_task(
    bind=True,
    **JOB_TASK_OPTIONS,
    time_limit=10 * 60,
    soft_time_limit=9 * 60,
    # While a full run computes (FullRunInProgress), or on a deadlock or lock timeout, try
    # again with backoff (1 s, 2 s, 4 s ... at most a minute, jittered) rather than give up:
    # the approval stays marked, and its fold-in must reach the current snapshot.
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=100,
)
def recompute_indicator_progress(self, indicator_id):
    """After an approval or a reopening: fold one indicator (and every other one marked) into
    the current snapshot."""
    from .services.progress import FullRunInProgress, progress_compute_indicator

    try:
        progress_compute_indicator(indicator_id=indicator_id)
    except FullRunInProgress as exc:
        # The same backoff as autoretry_for's, jittered.
        countdown = min(2**self.request.retries, 60) * (0.5 + random.random() / 2)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(
    **JOB_TASK_OPTIONS,
    time_limit=PROGRESS_TIME_LIMIT.total_seconds(),
    soft_time_limit=PROGRESS_TIME_LIMIT.total_seconds() - 5 * 60,
)
def recompute_all_progress():
    """Nightly: a new snapshot of everything, then old snapshots pruned."""
    from .services.progress import progress_compute_full, progress_prune

    progress_compute_full()
    progress_prune()


@shared_task(
    **JOB_TASK_OPTIONS,
    time_limit=PROGRESS_TIME_LIMIT.total_seconds(),
    soft_time_limit=PROGRESS_TIME_LIMIT.total_seconds() - 5 * 60,
)
def compute_progress_run(snapshot_id):
    """A computation started through the API: compute into its snapshot (one no longer
    running is left alone), then prune."""
    from .models import ProgressSnapshot
    from .services.progress import progress_compute_full, progress_prune

    snapshot = ProgressSnapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is not None:
        progress_compute_full(snapshot=snapshot)
        progress_prune()


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def drain_progress():
    """Every few minutes (beat): fold in whatever indicator is still marked (an enqueue that
    was dropped, a worker that died). Does nothing while a full run computes."""
    from .models import ProgressDirty, ProgressSnapshot
    from .services.progress import FullRunInProgress, progress_compute_indicator

    if (
        not ProgressDirty.objects.exists()
        or not ProgressSnapshot.objects.filter(is_current=True).exists()
    ):
        return
    with contextlib.suppress(FullRunInProgress):  # that run drains them at its switch
        progress_compute_indicator()
