"""Every write of the compacts app: keyword-only, atomic, validated, audited.

Values are never written here: entities enter and reviewers approve them through the
indicators services; this app writes only the compact's own structure and the system-wide
values it derives from approved entity reports.
"""

from django.db import transaction

from audit.services import event_record
from core.rows import set_changed
from indicators.choices import PlanKind, Status
from indicators.models import Indicator, Value

from . import aggregation
from .choices import Derivation
from .models import Commitment, CommitmentGroup, Compact, CompactIndicator, SystemValue


def _upsert(model, lookup, fields, *, actor, action, entity=None):
    obj = model.objects.filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup, **fields)
    else:
        changed = set_changed(obj, fields)
        if not changed:
            return obj
    obj.full_clean()
    obj.save()
    event_record(
        actor=actor,
        action=f"{action}.{'created' if created else 'changed'}",
        target=obj,
        entity=entity,
    )
    return obj


@transaction.atomic
def compact_upsert(*, code, plan, actor, **fields):
    """Create or change a compact (its indicators' framework is `plan`)."""
    return _upsert(Compact, {"code": code}, {"plan": plan, **fields}, actor=actor, action="compact")


@transaction.atomic
def group_upsert(*, compact, kind, node, actor, **fields):
    return _upsert(
        CommitmentGroup,
        {"compact": compact, "kind": kind},
        {"node": node, **fields},
        actor=actor,
        action="compact_group",
    )


@transaction.atomic
def commitment_upsert(*, group, number, node, actor, **fields):
    return _upsert(
        Commitment,
        {"group": group, "number": number},
        {"node": node, **fields},
        actor=actor,
        action="commitment",
    )


@transaction.atomic
def compact_indicator_upsert(*, indicator, commitment, actor, **fields):
    """Attach an indicator of the compact's framework to a commitment, with its published
    text, footnotes and derivation."""
    return _upsert(
        CompactIndicator,
        {"indicator": indicator},
        {"commitment": commitment, **fields},
        actor=actor,
        action="compact_indicator",
    )


# --- the system-wide roll-up ------------------------------------------------------------------


def _year(period):
    return period.start_date.year


def reports_for(compact_indicator):
    """The entity reports a derived indicator rolls up: one Report per entity whose
    compact-report framework has the source indicator, with its approved values by year."""
    compact = compact_indicator.commitment.group.compact
    codes = [c for c in (compact_indicator.source_code, compact_indicator.denominator_code) if c]
    indicators = Indicator.objects.filter(
        plan__kind=PlanKind.COMPACT_REPORT, plan__code=compact.plan.code, code__in=codes
    ).select_related("plan__entity")
    reports = {}
    by_indicator = {}
    for ind in indicators:
        entity = ind.plan.entity
        reports.setdefault(
            entity.pk, aggregation.Report(entity_id=entity.pk, entity_code=entity.code)
        )
        by_indicator[ind.pk] = (entity.pk, ind.code == compact_indicator.source_code)
    values = Value.objects.filter(
        indicator_id__in=by_indicator, status=Status.APPROVED
    ).select_related("period")
    for v in values:
        entity_id, is_source = by_indicator[v.indicator_id]
        entry = aggregation.Entry(
            value_id=v.pk,
            number=v.numeric_value,
            answer=v.bool_value,
            is_missing=v.is_missing,
            footnote=v.footnote,
        )
        target = reports[entity_id].values if is_source else reports[entity_id].denominators
        target[_year(v.period)] = entry
    return list(reports.values())


@transaction.atomic
def compact_aggregate(*, compact, actor=None):
    """Recompute every system-wide value of `compact` from the approved entity reports.
    Idempotent (safe to run twice); years left without any report are removed. Returns the
    number of values written or removed."""
    compact = Compact.objects.select_for_update().get(pk=compact.pk)
    changed = 0
    derived = CompactIndicator.objects.filter(commitment__group__compact=compact).exclude(
        derivation=Derivation.NONE
    )
    for ci in derived.select_related("commitment__group__compact__plan", "indicator"):
        reports = reports_for(ci)
        years = aggregation.years_of(reports, ci.derivation)
        existing = {sv.year: sv for sv in ci.system_values.all()}
        for year in years:
            result = aggregation.aggregate(ci.derivation, reports, year)
            fields = {
                "numeric_value": result.value,
                "numerator": result.numerator,
                "denominator": result.denominator,
                "breakdown": result.breakdown,
                "not_reported": result.not_reported,
            }
            sv = existing.pop(year, None)
            if sv is not None and _same(sv, fields):
                continue
            sv = sv or SystemValue(compact_indicator=ci, year=year)
            for k, v in fields.items():
                setattr(sv, k, v)
            sv.full_clean(exclude=["compact_indicator"])
            sv.save()
            changed += 1
        for stale in existing.values():
            stale.delete()
            changed += 1
    if changed:
        event_record(
            actor=actor,
            action="compact.aggregated",
            target=compact,
            payload={"values_changed": changed},
        )
    return changed


def _same(sv, fields):
    from decimal import Decimal

    def norm(v):
        return v.normalize() if isinstance(v, Decimal) else v

    return all(norm(getattr(sv, k)) == norm(v) for k, v in fields.items())


def compacts_aggregate_all(*, actor=None):
    """Every compact (the nightly run)."""
    return sum(compact_aggregate(compact=c, actor=actor) for c in Compact.objects.all())
