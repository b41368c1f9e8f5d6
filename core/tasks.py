"""Thin Celery entry points of the shared app."""

from celery import shared_task

from . import jobs


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def jobs_sweep():
    """Every few minutes (beat): jobs whose worker is gone are marked failed."""
    swept = jobs.jobs_sweep()
    return {kind: [job.pk for job in found] for kind, found in swept.items()}
