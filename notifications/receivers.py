"""Receivers of the indicators and oversight domain signals (connected in apps.py). They only
enqueue a task, after the sender's transaction commits: nothing is said about a change that
was rolled back."""

from . import tasks


def on_value_returned(sender, value, **kwargs):
    tasks.send_value_returned.delay_on_commit(value.pk)


def on_closure_proposed(sender, recommendation, **kwargs):
    tasks.send_closure_proposed.delay_on_commit(recommendation.pk)


def on_notification_changed(sender, instance, **kwargs):
    """A notification of a user was made, changed or deleted: their unread count moves on."""
    from core.cache import bump_for_write, notifications_scope

    bump_for_write(notifications_scope(instance.recipient_id))
