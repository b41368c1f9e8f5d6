"""Receivers of the indicators and oversight domain signals (connected in apps.py). They only
enqueue a task, after the sender's transaction commits: nothing is said about a change that
was rolled back."""

from . import tasks


def on_value_returned(sender, value, **kwargs):
    tasks.send_value_returned.delay_on_commit(value.pk)


def on_closure_proposed(sender, recommendation, **kwargs):
    tasks.send_closure_proposed.delay_on_commit(recommendation.pk)
