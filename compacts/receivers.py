"""Listening to the indicators app: when an entity's report is approved, returned or reopened,
the system-wide values built from it are recomputed by a worker."""

from indicators.choices import PlanKind


def roll_up_changed_reports(sender, indicator_ids, **kwargs):
    """Enqueue the roll-up of every compact whose entity reports (or own indicators) changed.
    Runs after commit (the signal is sent then); two small queries."""
    from indicators.models import Indicator

    from .models import Compact
    from .tasks import aggregate_compact

    plan_codes = set(
        Indicator.objects.filter(
            pk__in=indicator_ids, plan__kind__in=[PlanKind.COMPACT_REPORT, PlanKind.COMPACT]
        ).values_list("plan__code", flat=True)
    )
    if not plan_codes:
        return
    for compact_id in Compact.objects.filter(plan__code__in=plan_codes).values_list(
        "pk", flat=True
    ):
        aggregate_compact.delay_on_commit(compact_id)
