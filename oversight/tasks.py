"""Thin Celery entry points: ids in, a service call, safe to run twice.

Each task claims its import first (core.jobs: the worker, the task, a heartbeat) and is
declared acks_late and reject_on_worker_lost with time limits: a worker that dies loses no
message, and core.jobs.sweep() marks the import it left failed, with the reason."""

from datetime import timedelta

from celery import shared_task

from core.jobs import JOB_TASK_OPTIONS, job_claim

from .choices import ImportStatus
from .models import RecommendationImport

IMPORT_TIME_LIMIT = timedelta(minutes=30)
_LIMITS = {
    "time_limit": IMPORT_TIME_LIMIT.total_seconds(),
    "soft_time_limit": IMPORT_TIME_LIMIT.total_seconds() - 5 * 60,
}


def _claim(job_id, statuses):
    """Claim the import if it is still to be done (a message delivered again after the sweeper
    failed its job, or after it was done, leaves it alone)."""
    if not RecommendationImport.objects.filter(pk=job_id, status__in=statuses).exists():
        return False
    job_claim(RecommendationImport, job_id)
    return True


@shared_task(**JOB_TASK_OPTIONS, **_LIMITS)
def recommendation_import_preview(job_id):
    from .services import recommendation_import_preview

    if _claim(job_id, {ImportStatus.PENDING, ImportStatus.PARSING}):
        recommendation_import_preview(job_id=job_id)


@shared_task(**JOB_TASK_OPTIONS, **_LIMITS)
def recommendation_import_write(job_id):
    from .services import recommendation_import_write

    if _claim(job_id, {ImportStatus.READY, ImportStatus.COMMITTING}):
        recommendation_import_write(job_id=job_id)
