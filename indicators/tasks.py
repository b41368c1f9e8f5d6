"""Thin Celery entry points: ids in, a service call, safe to run twice."""

from celery import shared_task

from . import importers


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def import_preview(job_id):
    importers.import_preview(job_id=job_id)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def import_commit(job_id):
    importers.import_commit(job_id=job_id)
