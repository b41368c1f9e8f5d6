"""Reads that shape oversight data for reports: the implementation statistics of Annex III and
the JIU rates, computed in the database from recommendation-level data, and the history of a
recommendation.

Definitions (the report's own, see README-section):
- implemented: status "implemented";
- no longer applicable: "no longer applicable", "overtaken by events" or "reclassified"
  (Annex III prints them in one column);
- in progress: "in progress"; not implemented: "not implemented";
- implementation rate = (implemented + no longer applicable) / issued, in per cent;
- for a period column: implementations recorded in the period, and the cumulative rate at its
  end = closed with an implementation date up to the end / issued up to the end;
- JIU: acceptance rate = accepted / issued in the window; implementation rate of accepted =
  accepted and implemented / accepted.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    CLOSED_STATUSES,
    NO_LONGER_APPLICABLE_STATUSES,
    Acceptance,
    PeriodBasis,
    Status,
)
from .models import OversightBody, Recommendation, StatisticsPeriod
from .querysets import today

CLOSED = [Status.IMPLEMENTED, *NO_LONGER_APPLICABLE_STATUSES]


def rate(part, whole):
    """part / whole in per cent, unrounded (round once, where it is shown, with round_pct:
    rounding 62.249 to 62.25 and then to 62.3 would misstate the JIU's 62.2); None for an
    empty set."""
    if not whole:
        return None
    return Decimal(part) * 100 / Decimal(whole)


def round_pct(value, places=0):
    """Round a per-cent figure as the report prints it (half up)."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass
class PeriodColumn:
    label: str
    implemented: int
    issued_to_date: int
    closed_to_date: int

    @property
    def rate(self):
        return rate(self.closed_to_date, self.issued_to_date)


@dataclass
class StatisticsRow:
    body: OversightBody
    volume: str
    segment: str  # "all" or "critical"
    issued: int
    implemented: int
    no_longer_applicable: int
    in_progress: int
    not_implemented: int
    periods: list = field(default_factory=list)
    # Open with a target date in the past (today, in the site's time zone).
    overdue: int = 0

    @property
    def closed(self):
        return self.implemented + self.no_longer_applicable

    @property
    def rate(self):
        return rate(self.closed, self.issued)

    @property
    def in_progress_rate(self):
        return rate(self.in_progress, self.issued)

    @property
    def label(self):
        segment = _("Critical recommendations") if self.segment == "critical" else _("All")
        if self.volume:
            return _("Volume %(volume)s — %(segment)s") % {
                "volume": self.volume,
                "segment": segment,
            }
        return segment

    def as_dict(self):
        return {
            "body": self.body.code,
            "volume": self.volume,
            "segment": self.segment,
            "issued": self.issued,
            "implemented": self.implemented,
            "no_longer_applicable": self.no_longer_applicable,
            "in_progress": self.in_progress,
            "not_implemented": self.not_implemented,
            "overdue": self.overdue,
            "implementation_rate": round_pct(self.rate, 2),
            "periods": [
                {
                    "label": p.label,
                    "implemented": p.implemented,
                    "issued_to_date": p.issued_to_date,
                    "closed_to_date": p.closed_to_date,
                    "implementation_rate": round_pct(p.rate, 2),
                }
                for p in self.periods
            ],
        }


@dataclass
class AcceptanceWindow:
    label: str
    issued: int
    accepted: int
    accepted_implemented: int
    start: object = None  # the window of issue dates
    end: object = None

    @property
    def acceptance_rate(self):
        return rate(self.accepted, self.issued)

    @property
    def implementation_rate_of_accepted(self):
        return rate(self.accepted_implemented, self.accepted)

    def as_dict(self):
        return {
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "issued": self.issued,
            "accepted": self.accepted,
            "accepted_implemented": self.accepted_implemented,
            "acceptance_rate": round_pct(self.acceptance_rate, 2),
            "implementation_rate_of_accepted": round_pct(self.implementation_rate_of_accepted, 2),
        }


@dataclass
class BodyStatistics:
    body: OversightBody
    period_labels: list
    rows: list
    acceptance: list

    def as_dict(self):
        return {
            "body": self.body.code,
            "name": self.body.name,
            "period_labels": self.period_labels,
            "rows": [r.as_dict() for r in self.rows],
            "acceptance": [w.as_dict() for w in self.acceptance],
        }


def _segment_counts(prefix, segment_q, periods):
    counts = {
        f"{prefix}issued": Count("pk", filter=segment_q),
        f"{prefix}implemented": Count("pk", filter=segment_q & Q(status=Status.IMPLEMENTED)),
        f"{prefix}nla": Count(
            "pk", filter=segment_q & Q(status__in=list(NO_LONGER_APPLICABLE_STATUSES))
        ),
        f"{prefix}in_progress": Count("pk", filter=segment_q & Q(status=Status.IN_PROGRESS)),
        f"{prefix}not_implemented": Count(
            "pk", filter=segment_q & Q(status=Status.NOT_IMPLEMENTED)
        ),
        f"{prefix}overdue": Count(
            "pk", filter=segment_q & ~Q(status__in=CLOSED_STATUSES) & Q(target_date__lt=today())
        ),
    }
    for i, p in enumerate(periods):
        counts[f"{prefix}p{i}_impl"] = Count(
            "pk",
            filter=segment_q
            & Q(status=Status.IMPLEMENTED, implementation_date__range=(p.start, p.end)),
        )
        counts[f"{prefix}p{i}_issued"] = Count("pk", filter=segment_q & Q(issued_on__lte=p.end))
        counts[f"{prefix}p{i}_closed"] = Count(
            "pk", filter=segment_q & Q(status__in=CLOSED, implementation_date__lte=p.end)
        )
    return counts


def _row(body, volume, segment, values, prefix, periods):
    return StatisticsRow(
        body=body,
        volume=volume,
        segment=segment,
        issued=values[f"{prefix}issued"],
        implemented=values[f"{prefix}implemented"],
        no_longer_applicable=values[f"{prefix}nla"],
        in_progress=values[f"{prefix}in_progress"],
        not_implemented=values[f"{prefix}not_implemented"],
        overdue=values[f"{prefix}overdue"],
        periods=[
            PeriodColumn(
                label=p.label,
                implemented=values[f"{prefix}p{i}_impl"],
                issued_to_date=values[f"{prefix}p{i}_issued"],
                closed_to_date=values[f"{prefix}p{i}_closed"],
            )
            for i, p in enumerate(periods)
        ],
    )


def _sum_rows(body, volume, segment, rows):
    """The combined row of several volumes (para. 91 adds Vol. I and Vol. II)."""
    total = StatisticsRow(body, volume, segment, 0, 0, 0, 0, 0, [])
    for r in rows:
        total.issued += r.issued
        total.implemented += r.implemented
        total.no_longer_applicable += r.no_longer_applicable
        total.in_progress += r.in_progress
        total.not_implemented += r.not_implemented
        total.overdue += r.overdue
    if rows:
        total.periods = [
            PeriodColumn(
                label=cols[0].label,
                implemented=sum(c.implemented for c in cols),
                issued_to_date=sum(c.issued_to_date for c in cols),
                closed_to_date=sum(c.closed_to_date for c in cols),
            )
            for cols in zip(*(r.periods for r in rows), strict=True)
        ]
    return total


def body_statistics(body, recommendations=None, periods=None):
    """Annex III for one body: per volume, all and critical recommendations, with the period
    columns; and for a body that tracks acceptance, the JIU rates per issue window.

    One aggregate query for the Annex III rows and one for the acceptance windows,
    whatever the number of recommendations."""
    qs = (recommendations if recommendations is not None else Recommendation.objects).filter(
        body=body
    )
    if periods is None:
        periods = list(StatisticsPeriod.objects.filter(body=body))
    impl_periods = [p for p in periods if p.basis == PeriodBasis.IMPLEMENTATION]
    windows = [p for p in periods if p.basis == PeriodBasis.ISSUE]
    everything = Q(pk__isnull=False)
    critical = Q(is_critical=True)
    grouped = (
        qs.order_by()
        .values("report__volume")
        .annotate(
            **_segment_counts("a_", everything, impl_periods),
            **_segment_counts("c_", critical, impl_periods),
        )
        .order_by("report__volume")
    )
    rows = []
    by_volume = []
    for values in grouped:
        volume = values["report__volume"]
        all_row = _row(body, volume, "all", values, "a_", impl_periods)
        crit_row = _row(body, volume, "critical", values, "c_", impl_periods)
        by_volume.append((all_row, crit_row))
    if len(by_volume) > 1:
        for all_row, crit_row in by_volume:
            rows.append(all_row)
            if crit_row.issued:
                rows.append(crit_row)
        rows.append(_sum_rows(body, "", "all", [a for a, _c in by_volume]))
        combined_critical = _sum_rows(body, "", "critical", [c for _a, c in by_volume])
        if combined_critical.issued:
            rows.append(combined_critical)
    elif by_volume:
        rows.extend(by_volume[0])
    else:
        rows.append(_sum_rows(body, "", "all", []))
        rows[0].periods = [PeriodColumn(p.label, 0, 0, 0) for p in impl_periods]
    acceptance = []
    if windows:
        accepted = Q(acceptance=Acceptance.ACCEPTED)
        aggregates = {}
        for i, w in enumerate(windows):
            in_window = Q(issued_on__range=(w.start, w.end))
            aggregates[f"w{i}_issued"] = Count("pk", filter=in_window)
            aggregates[f"w{i}_accepted"] = Count("pk", filter=in_window & accepted)
            aggregates[f"w{i}_impl"] = Count(
                "pk", filter=in_window & accepted & Q(status=Status.IMPLEMENTED)
            )
        values = qs.aggregate(**aggregates)
        acceptance = [
            AcceptanceWindow(
                label=w.label,
                issued=values[f"w{i}_issued"],
                accepted=values[f"w{i}_accepted"],
                accepted_implemented=values[f"w{i}_impl"],
                start=w.start,
                end=w.end,
            )
            for i, w in enumerate(windows)
        ]
    return BodyStatistics(
        body=body,
        period_labels=[p.label for p in impl_periods],
        rows=rows,
        acceptance=acceptance,
    )


def statistics(bodies=None, recommendations=None):
    """Statistics for every body (or the given ones), in a number of queries that depends on
    the number of bodies, never on the number of recommendations."""
    bodies = list(bodies if bodies is not None else OversightBody.objects.all())
    periods = {}
    for p in StatisticsPeriod.objects.filter(body__in=bodies):
        periods.setdefault(p.body_id, []).append(p)
    return [body_statistics(b, recommendations, periods.get(b.pk, [])) for b in bodies]


def recommendation_history(rec):
    """Row history of the recommendation, its evidence and comments (pghistory), newest first,
    with the acting user where the request recorded one. Events of one transaction share its
    time (pghistory records NOW()): among them, each table's events go by their id, newest
    first, so that an import or a request that changes a recommendation twice lists its last
    change first."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from audit.display import field_label, value_label

    def events(model_name, **filters):
        event_model = apps.get_model("oversight", model_name)
        return list(
            event_model.objects.filter(**filters).select_related("pgh_context").order_by("-pgh_id")
        )

    rows = []
    rec_events = events("RecommendationEvent", pgh_obj_id=rec.pk)
    fields = [f.name for f in Recommendation._meta.concrete_fields]
    # Show what changed between consecutive versions.
    ordered = list(reversed(rec_events))
    previous = None
    for ev in ordered:
        changes = {}
        if previous is not None:
            for name in fields:
                key = f"{name}_id" if hasattr(ev, f"{name}_id") else name
                before, after = getattr(previous, key, None), getattr(ev, key, None)
                if before != after and name not in {"updated_at"}:
                    changes[name] = (before, after)
        rows.append(
            {
                "when": ev.pgh_created_at,
                "event": ev.pgh_label,
                "what": history_label(ev.pgh_label),
                "object": _("recommendation"),
                "changes": changes,
                # In words for the page: verbose names and choice labels ("Review state:
                # Open → Closure proposed").
                "changes_text": [
                    (
                        field_label(Recommendation, name),
                        value_label(Recommendation, name, before),
                        value_label(Recommendation, name, after),
                    )
                    for name, (before, after) in changes.items()
                ],
                "user": _context_user(ev),
                "order": ev.pgh_id,
            }
        )
        previous = ev
    for model_name, label in (("EvidenceEvent", _("evidence")), ("CommentEvent", _("comment"))):
        for ev in events(model_name, recommendation_id=rec.pk):
            rows.append(
                {
                    "when": ev.pgh_created_at,
                    "event": ev.pgh_label,
                    "what": history_label(ev.pgh_label),
                    "object": label,
                    "changes": {},
                    "changes_text": [],
                    "user": _context_user(ev),
                    "order": ev.pgh_id,
                }
            )
    rows.sort(key=lambda r: (r["when"], r["order"]), reverse=True)
    user_ids = {r["user"] for r in rows if r["user"]}
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    for r in rows:
        r["user"] = names.get(r["user"])
    return rows


HISTORY_LABELS = {
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
}


def history_label(label):
    """A pghistory event label in the reader's language."""
    return HISTORY_LABELS.get(label, label)


def _context_user(event):
    """The id of the user pghistory's middleware attached to the change, if any."""
    ctx = getattr(event, "pgh_context", None)
    if ctx is None:
        return None
    return (ctx.metadata or {}).get("user")
