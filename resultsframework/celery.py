"""The Celery application. Task modules are discovered in every installed app (`tasks.py`)."""

import os
import resource

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resultsframework.settings")

app = Celery("resultsframework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def limit_memory(megabytes):
    """Cap this process's address space: past it an allocation raises MemoryError (the task
    fails with the reason) instead of the machine running out of memory. 0: no cap."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@worker_process_init.connect
def _limit_pool_process(**_kwargs):
    """Each pool process of a worker gets CELERY_WORKER_MEMORY_LIMIT_MB (settings.py)."""
    from django.conf import settings

    limit_memory(getattr(settings, "CELERY_WORKER_MEMORY_LIMIT_MB", 0))


# Beat schedules live in code (STYLE.md); django-celery-beat stores them so operators can see
# and pause them in the admin.
app.conf.beat_schedule = {
    "heartbeat-every-5-minutes": {
        "task": "audit.tasks.record_heartbeat",
        "schedule": crontab(minute="*/5"),
    },
    # Progress after approvals is recomputed at once; the nightly run also catches changed
    # baselines and targets, the turn of the year, and prunes old snapshots.
    # Jobs (imports, progress runs, report runs) whose worker died are marked failed with the
    # reason (report runs are first sent again); jobs no worker ever took are failed too.
    "jobs-sweep-every-2-minutes": {
        "task": "core.tasks.jobs_sweep",
        "schedule": crontab(minute="*/2"),
    },
    # Indicators still marked after their task (an enqueue dropped, a worker gone) are folded
    # into the current snapshot.
    "progress-drain-every-5-minutes": {
        "task": "indicators.tasks.drain_progress",
        "schedule": crontab(minute="*/5"),
    },
    "progress-nightly": {
        "task": "indicators.tasks.recompute_all_progress",
        "schedule": crontab(hour=2, minute=30),
    },
    # Compact system-wide values are recomputed after each approval; nightly as a catch-up.
    "compacts-nightly": {
        "task": "compacts.tasks.aggregate_all_compacts",
        "schedule": crontab(hour=3, minute=0),
    },
    # Notifications: officers are told daily of periods about to close with values missing;
    # focal points get a weekly digest of recommendations due soon or overdue (Monday).
    "notify-periods-closing-daily": {
        "task": "notifications.tasks.send_period_closing_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    "notify-recommendations-weekly": {
        "task": "notifications.tasks.send_recommendation_digests",
        "schedule": crontab(hour=6, minute=30, day_of_week="mon"),
    },
}
