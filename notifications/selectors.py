"""What waits for a user: the work lists of the home page. Each list is a fixed number of
queries (a count and the first rows), whatever the number of rows, and shows only what the
user may act on: the models' visible_to, narrowed by the rules of the permission modules."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models import Value as V
from django.db.models.functions import Coalesce
from django.utils import timezone

WORK_LIST_ROWS = 10


@dataclass
class WorkList:
    key: str
    count: int = 0
    rows: list = field(default_factory=list)


def _scope_q(user, roles, prefix=""):
    """Q over indicators (through `prefix`) the user reaches with one of `roles`: a membership
    narrowed to an org unit reaches that unit's indicators and those of no unit (as in
    indicators.permissions._roles_for). None when the user holds none of the roles."""
    from entities.permissions import memberships

    if user.is_superuser:
        return None
    q = None
    for m in memberships(user):
        if m.role not in roles:
            continue
        part = Q()
        if m.entity_id is not None:
            part &= Q(**{f"{prefix}plan__entity_id": m.entity_id})
        if m.org_unit_id is not None:
            part &= Q(**{f"{prefix}org_unit_id": m.org_unit_id}) | Q(
                **{f"{prefix}org_unit__isnull": True}
            )
        q = part if q is None else q | part
    return q


def _values_to_enter(user, limit):
    """Open periods of the user's entities with indicators they enter that have no value yet
    (or only a draft), with the date their values are due, soonest first."""
    from entities.choices import Role
    from indicators.choices import Status
    from indicators.models import Indicator, ReportingPeriod, Value

    scope = _scope_q(user, {Role.PROGRAMME_OFFICER})
    if scope is None:
        return WorkList("to_enter")
    started = Value.objects.filter(
        indicator=OuterRef("pk"), period=OuterRef(OuterRef("pk"))
    ).exclude(status=Status.DRAFT)
    pending = (
        Indicator.objects.active()
        .filter(scope, plan=OuterRef("plan"))
        .exclude(Exists(started))
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    periods = (
        ReportingPeriod.objects.for_entity_roles(user, {Role.PROGRAMME_OFFICER})
        .open()
        .annotate(missing=Coalesce(Subquery(pending), V(0)))
        .filter(missing__gt=0)
    )
    rows = list(
        periods.with_due()
        .select_related("plan__entity")
        .order_by("due_by", "plan__code", "pk")[:limit]
    )
    return WorkList("to_enter", periods.count(), rows)


def _returned_values(user, limit):
    """Values returned to the user's entities (in open periods) that they may correct."""
    from entities.choices import Role
    from indicators.choices import Status
    from indicators.models import Value

    scope = _scope_q(user, {Role.PROGRAMME_OFFICER}, prefix="indicator__")
    if scope is None:
        return WorkList("returned")
    qs = (
        Value.objects.for_entity_roles(user, {Role.PROGRAMME_OFFICER})
        .filter(scope, status=Status.RETURNED, period__is_closed=False)
        .order_by("-reviewed_at", "-pk")
    )
    rows = list(qs.select_related("indicator__plan__entity", "period", "reviewed_by")[:limit])
    return WorkList("returned", qs.count(), rows)


def _values_to_review(user, limit):
    """Submitted values of the user's entities, in open periods, that they may review: never
    one they entered or submitted themselves."""
    from entities.choices import Role
    from indicators.choices import Status
    from indicators.models import Value

    scope = _scope_q(user, {Role.REVIEWER}, prefix="indicator__")
    if scope is None:
        return WorkList("to_review")
    qs = (
        Value.objects.for_entity_roles(user, {Role.REVIEWER})
        .filter(scope, status=Status.SUBMITTED, period__is_closed=False)
        .exclude(Q(entered_by=user) | Q(submitted_by=user))
        .order_by("submitted_at", "pk")
    )
    rows = list(qs.select_related("indicator__plan__entity", "period", "submitted_by")[:limit])
    return WorkList("to_review", qs.count(), rows)


def _recommendations_due(user, limit, today):
    """Open recommendations of the entities where the user is a focal point that are overdue
    or fall due within NOTIFICATIONS_DUE_SOON_DAYS."""
    from entities.permissions import entity_ids_with_role
    from oversight.choices import ReviewState
    from oversight.models import Recommendation
    from oversight.permissions import FOCAL_POINT_ROLES

    if user.is_superuser:  # superusers hold no workflow relation (oversight/permissions.py)
        return WorkList("recommendations")
    entity_ids = entity_ids_with_role(user, FOCAL_POINT_ROLES)
    if entity_ids is not None and not entity_ids:
        return WorkList("recommendations")
    horizon = today + datetime.timedelta(days=settings.NOTIFICATIONS_DUE_SOON_DAYS)
    qs = (
        Recommendation.objects.visible_to(user)
        .open()
        .filter(review_state=ReviewState.OPEN, target_date__lte=horizon)
    )
    if entity_ids is not None:
        qs = qs.filter(entity_id__in=entity_ids)
    rows = list(qs.select_related("entity", "body").order_by("target_date", "pk")[:limit])
    for rec in rows:
        rec.is_overdue = rec.target_date < today
    return WorkList("recommendations", qs.count(), rows)


def _closures_to_decide(user, limit):
    """Closures proposed to the oversight bodies the user audits."""
    from oversight.choices import ReviewState
    from oversight.models import Recommendation
    from oversight.permissions import auditor_body_ids

    body_ids = auditor_body_ids(user)
    if not body_ids:
        return WorkList("closures")
    qs = (
        Recommendation.objects.visible_to(user)
        .filter(review_state=ReviewState.CLOSURE_PROPOSED, body_id__in=body_ids)
        .order_by("updated_at", "pk")
    )
    rows = list(qs.select_related("entity", "body")[:limit])
    return WorkList("closures", qs.count(), rows)


def work_lists(user, *, limit=WORK_LIST_ROWS, today=None):
    """Every work list of `user`, each with its count and first `limit` rows."""
    if not user or not user.is_authenticated:
        return {}
    today = today or timezone.localdate()
    lists = [
        _values_to_enter(user, limit),
        _returned_values(user, limit),
        _values_to_review(user, limit),
        _recommendations_due(user, limit, today),
        _closures_to_decide(user, limit),
    ]
    return {wl.key: wl for wl in lists}
