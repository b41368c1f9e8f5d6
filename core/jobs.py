"""Jobs run by a Celery worker whose state people see in our own models — never stuck.

A job model (an import, a progress snapshot, a report run) inherits `Job`: the task claims
the row when it starts (`job_claim`: the worker's name, the task's id and a heartbeat), and
beats while it works where it can. A worker that dies (SIGKILL, out of memory, the machine
gone) cannot say so; `sweep()` — run every few minutes by Celery beat through
`core.tasks.jobs_sweep` — finds claimed jobs still in a working state whose worker no longer
runs their task, or whose heartbeat is older than the task's hard time limit, and marks them
failed with the reason, so the user sees it and may start again (a kind may instead send it
again, within its own limit of attempts: report runs do). A job sent to the workers but claimed
by none within UNCLAIMED_GRACE lost its message (the broker restarted without it, the send
after commit failed): it is failed with that reason too, never left "queued" for ever; re-sending
it instead could run it twice next to a message that was only waiting behind a long queue.
Whether a worker runs a task is asked through Celery's inspect API: the main process of a
prefork worker answers while its pool process works (a "solo" worker busy with a task would
not). Tasks are declared with acks_late, reject_on_worker_lost and time limits
(JOB_TASK_OPTIONS): a message whose worker died is delivered again, and the task, finding its
job failed or done, leaves it alone (safe to run twice).
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# How long a claimed job may stay quiet before the sweeper asks whether its worker still runs
# it (a worker busy with a long task answers the inspect call; a dead one does not).
GRACE = timedelta(minutes=2)
# Options of every task that works on a Job row.
JOB_TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}
# How long a job sent to the workers may wait for one to claim it: longer than any queue of
# jobs the workers work through (a report run may take 20 minutes) before its message is
# taken for lost.
UNCLAIMED_GRACE = timedelta(minutes=30)


class Job(models.Model):
    """Fields of a job run by a worker: who runs it and when it was last known alive."""

    worker = models.CharField(_("worker"), max_length=255, blank=True)
    task_id = models.CharField(_("task"), max_length=255, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # When its message was (last) sent: a job still unclaimed UNCLAIMED_GRACE after it lost
    # its message. Set again, with the claim cleared, by job_queued() when it is sent again.
    queued_at = models.DateTimeField(_("sent to the workers at"), default=timezone.now)

    class Meta:
        abstract = True


def job_queued(now=None):
    """The fields to update on a job being sent (again) to the workers: no claim yet, sent
    now. E.g. `Model.objects.filter(pk=pk).update(status=..., **job_queued())`."""
    return {"worker": "", "task_id": "", "heartbeat_at": None, "queued_at": now or timezone.now()}


def _current_task():
    from celery import current_task

    request = getattr(current_task, "request", None)
    hostname = getattr(request, "hostname", None)
    inline = getattr(request, "called_directly", True) or getattr(request, "is_eager", False)
    if request is None or not hostname or inline:
        # Run in the web process (inline) or a management command: this process is the
        # worker; the sweeper never finds it among Celery's workers, so it only fails the
        # job once its heartbeat is older than the time limit.
        return f"{socket.gethostname()}:{os.getpid()}", ""
    return hostname, request.id or ""


def job_claim(model, pk):
    """Record that this process (a Celery task, or inline) runs job `pk` of `model` now."""
    worker, task_id = _current_task()
    model.objects.filter(pk=pk).update(worker=worker, task_id=task_id, heartbeat_at=timezone.now())


def job_beat(model, pk):
    """A sign of life (call it between steps of a long job, outside its own transaction)."""
    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now())


def job_progress(model, pk, **fields):
    """Write a job's progress (percent, counts) and a heartbeat where others can see them now:
    inside a transaction (an import's commit) on a connection of its own, which gives up at
    once rather than wait for a lock; outside, as an ordinary update."""
    from django.db import connection, connections

    fields["heartbeat_at"] = timezone.now()
    if not connection.in_atomic_block:
        model.objects.filter(pk=pk).update(**fields)
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        table = model._meta.db_table
        names = list(fields)
        sets = ", ".join(f"{model._meta.get_field(n).column} = %s" for n in names)
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608  (our own columns)
                [*(fields[n] for n in names), pk],
            )
    except Exception:  # progress is a courtesy: never let it break the job
        log.warning("jobs: progress of %s %s not written", model.__name__, pk, exc_info=True)
    finally:
        side.close()


def active_tasks(timeout=2.0):
    """{worker name: ids of the tasks it runs now} of every worker that answers, asked through
    Celery's inspect API (a dead worker does not answer)."""
    from celery import current_app  # the project's app, set as current when Django starts

    replies = current_app.control.inspect(timeout=timeout).active() or {}
    return {name: {task["id"] for task in tasks or []} for name, tasks in replies.items()}


@dataclass
class Swept:
    pk: int
    reason: str
    resent: bool = False


def _lost_filter(now, grace, unclaimed_grace):
    """Jobs claimed but quiet for `grace`, or never claimed `unclaimed_grace` after sending."""
    return models.Q(heartbeat_at__lt=now - grace) | models.Q(
        heartbeat_at__isnull=True, queued_at__lt=now - unclaimed_grace
    )


def sweep(
    queryset,
    *,
    fail,
    time_limit,
    resend=None,
    grace=GRACE,
    unclaimed_grace=UNCLAIMED_GRACE,
    active=None,
    now=None,
):
    """Fail the jobs of `queryset` (those in a working state) whose worker is gone, or that no
    worker ever claimed.

    A job is gone when it was claimed more than `grace` ago and its worker does not answer or
    no longer runs its task, or when its last heartbeat is older than `time_limit` (the
    task's hard limit, past which Celery itself kills it) plus `grace`. A job sent
    `unclaimed_grace` ago that no worker claimed lost its message. `fail(job, reason)` marks
    one failed (the model's own service, so the state and the reason are its own).
    `resend(job, reason)`, if given, is first offered a job whose worker is gone (not one past
    its time limit, nor one never claimed): it sends the job again and returns True, or
    returns False (no attempt left) and the job is failed. `active`: the answer of
    active_tasks(), asked only when a job needs it. Returns what was swept."""
    now = now or timezone.now()
    quiet = list(queryset.filter(_lost_filter(now, grace, unclaimed_grace)).order_by("pk"))
    swept = []
    for job in quiet:
        retryable = False
        if job.heartbeat_at is None:
            reason = _(
                "No worker started this job within %(minutes)s minutes: its message was lost. "
                "Start it again."
            ) % {"minutes": int(unclaimed_grace.total_seconds() // 60)}
        elif job.heartbeat_at < now - time_limit - grace:
            reason = _("The job ran longer than its time limit; its worker was stopped.")
        elif not job.task_id:
            continue  # run inline (not by a Celery worker): only its time limit tells
        else:
            if active is None:
                active = active_tasks()
            runs = active.get(job.worker)
            if runs is not None and job.task_id in runs:
                continue  # alive, just busy
            reason = _("The worker running this job stopped (%(worker)s).") % {
                "worker": job.worker or "?"
            }
            retryable = True
        if retryable and resend is not None and resend(job, str(reason)):
            log.warning("jobs: %s %s sent again by the sweeper: %s", type(job).__name__, job.pk,
                        reason)  # fmt: skip
            swept.append(Swept(job.pk, str(reason), resent=True))
            continue
        fail(job, str(reason))
        log.warning("jobs: %s %s failed by the sweeper: %s", type(job).__name__, job.pk, reason)
        swept.append(Swept(job.pk, str(reason)))
    return swept


@dataclass
class Kind:
    name: str
    working: object  # () -> QuerySet of the jobs in a working state
    fail: object  # (job, reason) -> None
    time_limit: timedelta
    resend: object = None  # (job, reason) -> bool: sent again (see sweep())


_KINDS = {}


def register(name, *, working, fail, time_limit, resend=None):
    """Declare a kind of job for jobs_sweep() (each app, in its AppConfig.ready(): core reads
    no app)."""
    _KINDS[name] = Kind(name, working, fail, time_limit, resend)


def jobs_sweep(*, active=None, now=None):
    """Sweep every registered kind of job (see sweep()); {kind: what was swept}. Celery is
    asked once for its workers' active tasks, and only when a quiet job needs it."""
    answers = {"active": active}

    def ask():
        if answers["active"] is None:
            answers["active"] = active_tasks()
        return answers["active"]

    now = now or timezone.now()
    swept = {}
    for kind in _KINDS.values():
        queryset = kind.working()
        quiet = queryset.filter(_lost_filter(now, GRACE, UNCLAIMED_GRACE))
        if not quiet.exists():
            continue
        claimed = quiet.filter(heartbeat_at__isnull=False).exists()
        swept[kind.name] = sweep(
            queryset,
            fail=kind.fail,
            resend=kind.resend,
            time_limit=kind.time_limit,
            active=ask() if claimed else {},
            now=now,
        )
    return swept
