"""Thin Celery entry points: ids in, a service call, safe to run twice.

A run is a core.jobs job: its task claims it, and core.tasks.jobs_sweep (beat) sends it again
when its worker is gone (or fails it after MAX_ATTEMPTS, or when no worker ever took it)."""

from datetime import timedelta

from celery import shared_task

from core.jobs import JOB_TASK_OPTIONS

from . import services

RENDER_TIME_LIMIT = timedelta(minutes=20)


@shared_task(
    bind=True,
    # acks_late and reject_on_worker_lost: a worker process killed mid-run puts the message
    # back, and another worker takes it over.
    **JOB_TASK_OPTIONS,
    time_limit=RENDER_TIME_LIMIT.total_seconds(),
    soft_time_limit=RENDER_TIME_LIMIT.total_seconds() - 2 * 60,
)
def render_run(self, run_id):
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    run = services.report_run_execute(run_id=run_id, takeover=redelivered)
    return run.status
