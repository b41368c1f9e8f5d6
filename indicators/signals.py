"""Signals other apps listen to; indicators never imports them back (the data walks one way).

values_changed(sender, indicator_ids=[...]) is sent after the transaction commits, whenever
the approved values an indicator is judged by, or its baseline or targets, changed: a value
approved, returned or reopened, a baseline or target set. compacts/ listens to roll entity
reports up system-wide.

value_returned(sender, value=..., actor=..., reason=...) is sent inside the service's
transaction when a value goes back to its officer (returned by a reviewer, or an approved value
reopened); notifications/ listens, and defers its side effects until commit.
"""

from django.db import transaction
from django.dispatch import Signal

values_changed = Signal()


def send_values_changed_on_commit(indicator_ids):
    ids = sorted({int(i) for i in indicator_ids})
    transaction.on_commit(
        lambda: values_changed.send(sender="indicators", indicator_ids=ids), robust=True
    )


# A value went back to its officer (returned by a reviewer, or an approved value reopened).
# Sent with value=<Value>, actor=<user>, reason=<str>.
value_returned = Signal()
