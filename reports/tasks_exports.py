"""Thin Celery entry point of export jobs: an id in, the service called, safe to run twice
(imported by reports.apps so that every worker knows it)."""

from celery import shared_task

from core.jobs import JOB_TASK_OPTIONS

from .services_exports import EXPORT_TIME_LIMIT


@shared_task(
    **JOB_TASK_OPTIONS,
    time_limit=EXPORT_TIME_LIMIT.total_seconds(),
    soft_time_limit=EXPORT_TIME_LIMIT.total_seconds() - 60,
)
def export_write(run_id):
    from .services_exports import export_run_execute

    run = export_run_execute(run_id=run_id)
    return run.status if run else None
