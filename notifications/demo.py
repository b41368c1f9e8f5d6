"""Demo notifications: the daily and weekly reminders run once over the demo data, so the demo
users find notifications (and work lists) on their first visit. Idempotent like the tasks
(a second run finds the notifications it made). Discovered by `load_demo` as `demo.load()`."""

from . import services


def load(*args, **kwargs):
    """Run the period-closing reminders and this week's recommendation digests."""
    sent = services.send_period_closing_reminders()
    sent += services.send_recommendation_digests()
    return len(sent)
