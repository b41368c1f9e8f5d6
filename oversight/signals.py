"""Domain signals of the oversight app: other apps (notifications) listen to them without
oversight importing those apps. Each is sent inside the service's transaction; a receiver with
side effects must defer them until commit (delay_on_commit / transaction.on_commit)."""

from django.dispatch import Signal

# A focal point proposed closing a recommendation. Sent with recommendation=<Recommendation>,
# actor=<user>.
closure_proposed = Signal()
