"""Thin Celery entry points: ids in, a service call, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    # A worker process killed mid-run puts the message back: another worker takes it over.
    reject_on_worker_lost=True,
    time_limit=20 * 60,
    soft_time_limit=18 * 60,
)
def render_run(self, run_id):
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    run = services.report_run_execute(run_id=run_id, takeover=redelivered)
    return run.status


@shared_task(acks_late=True, time_limit=5 * 60, soft_time_limit=4 * 60)
def sweep_runs():
    """Every few minutes: runs whose worker is gone are sent again or failed."""
    return services.report_runs_sweep()
