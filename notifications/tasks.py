"""Thin Celery entry points: ids in, a service called; each may run twice (notifications are
keyed, so a second run sends nothing new)."""

from celery import shared_task

from . import services


@shared_task
def send_value_returned(value_id):
    return len(services.send_value_returned(value_id=value_id))


@shared_task
def send_closure_proposed(recommendation_id):
    return len(services.send_closure_proposed(recommendation_id=recommendation_id))


@shared_task
def send_period_closing_reminders():
    return len(services.send_period_closing_reminders())


@shared_task
def send_recommendation_digests():
    return len(services.send_recommendation_digests())
