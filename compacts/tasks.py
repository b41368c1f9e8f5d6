"""Thin Celery entry points: ids in, a service call, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def aggregate_compact(compact_id):
    """After an entity report was approved, returned or reopened: the compact's system-wide
    values, recomputed from the approved reports."""
    from .models import Compact
    from .services import compact_aggregate

    compact = Compact.objects.filter(pk=compact_id).first()
    if compact is not None:
        compact_aggregate(compact=compact)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=25 * 60)
def aggregate_all_compacts():
    """Nightly: every compact (catches anything an enqueue missed)."""
    from .services import compacts_aggregate_all

    compacts_aggregate_all()
