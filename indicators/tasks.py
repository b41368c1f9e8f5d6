"""Thin Celery entry points: ids in, a service call, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def import_preview(job_id):
    from .services.imports import import_job_preview

    import_job_preview(job_id=job_id)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def import_commit(job_id):
    from .services.imports import import_job_write

    import_job_write(job_id=job_id)


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def recompute_indicator_progress(indicator_id):
    """After an approval or a reopening: fold one indicator into the current snapshot."""
    from .services.progress import progress_compute_indicator

    progress_compute_indicator(indicator_id=indicator_id)


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def recompute_all_progress():
    """Nightly: a new snapshot of everything, then old snapshots pruned."""
    from .services.progress import progress_compute_full, progress_prune

    progress_compute_full()
    progress_prune()
