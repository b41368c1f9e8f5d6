"""Thin Celery entry points: ids in, a service call, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def recommendation_import_preview(job_id):
    from .services import recommendation_import_preview

    recommendation_import_preview(job_id=job_id)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def recommendation_import_write(job_id):
    from .services import recommendation_import_write

    recommendation_import_write(job_id=job_id)
