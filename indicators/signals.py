"""Domain signals of the indicators app: other apps (notifications) listen to them without
indicators importing those apps. Each is sent inside the service's transaction; a receiver that
has side effects must defer them until commit (delay_on_commit / transaction.on_commit)."""

from django.dispatch import Signal

# A value went back to its officer (returned by a reviewer, or an approved value reopened).
# Sent with value=<Value>, actor=<user>, reason=<str>.
value_returned = Signal()
