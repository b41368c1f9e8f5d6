"""Housekeeping tasks: thin entry points that are safe to run twice."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "worker-heartbeat"


@shared_task(name="audit.tasks.record_heartbeat")
def record_heartbeat():
    """Beat runs this every five minutes; the home page shows administrators when the worker
    last ran a task, so a stopped worker is noticed. Writing the same key twice is harmless."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


def last_heartbeat():
    return cache.get(HEARTBEAT_KEY)
