"""Chainable reads and visibility for frameworks and values: pages, API and exports all call
visible_to(), so no surface can show what another hides.

One rule, the same as permissions.decide(): a role held in an entity reaches all of its
frameworks; a role narrowed to one org unit reaches the entity's frameworks, that unit's
indicators and the indicators no unit owns — never another unit's indicators, nor their
values, baselines, targets, evidence, comments or progress results."""

from typing import NamedTuple

from django.db import models
from django.db.models import Prefetch, Q


class Reach(NamedTuple):
    """What a user's memberships holding some roles reach: everything, or entities whole, org
    units, and the entities reached only through one of their units."""

    everything: bool
    entity_ids: frozenset
    unit_ids: frozenset
    unit_entity_ids: frozenset


def reach(user, roles):
    """The one reading of memberships behind visible_to() and permissions.decide()."""
    from entities.permissions import has_global_role, memberships

    if not user or not user.is_authenticated:
        return Reach(False, frozenset(), frozenset(), frozenset())
    if user.is_superuser or has_global_role(user, roles):
        return Reach(True, frozenset(), frozenset(), frozenset())
    held = [m for m in memberships(user) if m.entity_id and m.role in roles]
    whole = frozenset(m.entity_id for m in held if m.org_unit_id is None)
    return Reach(
        False,
        whole,
        frozenset(m.org_unit_id for m in held if m.org_unit_id is not None),
        frozenset(m.entity_id for m in held if m.org_unit_id is not None) - whole,
    )


def visibility_key(user, roles=None, *, entity_id=None):
    """What `user` reads through `roles` (default: the read roles), as a cache-key part:
    users with the same key read the same rows of every visible_to() built on reach(), so a
    cached list or page is shared by them and never by users who read differently. With
    `entity_id` (one plan's entity), every reader of the entity whole shares one key."""
    if roles is None:
        from .permissions import READ_ROLES

        roles = READ_ROLES
    r = reach(user, roles)
    if r.everything or (entity_id is not None and entity_id in r.entity_ids):
        return "entity" if entity_id is not None else "all"
    if entity_id is not None:
        return "units-" + "-".join(str(u) for u in sorted(r.unit_ids))

    def ids(values):
        return ",".join(str(v) for v in sorted(values))

    return f"e{ids(r.entity_ids)};u{ids(r.unit_ids)};n{ids(r.unit_entity_ids)}"


def reaches_entity_whole(user, entity_id, roles=None):
    """Whether `user` reads the rows above indicators (plans, nodes, periods) of entity
    `entity_id` through `roles` (default: the read roles) — scope_q's rule without `unit_q`,
    for one row already in hand (a plan read from the cache)."""
    if roles is None:
        from .permissions import READ_ROLES

        roles = READ_ROLES
    r = reach(user, roles)
    return r.everything or entity_id in _whole_entity_ids(r)


def _whole_entity_ids(r):
    # A unit-scoped role reaches its entity whole for rows that no unit owns (plans, nodes).
    return r.entity_ids | r.unit_entity_ids


def scope_q(user, roles, *, entity_q, unit_q=None, unit_entity_q=None):
    """A Q for the rows the user reaches through memberships holding one of `roles`; None
    means every row. `entity_q(ids)` selects rows of whole entities. For rows of indicators,
    `unit_q(unit_ids)` selects those of the units and `unit_entity_q(entity_ids)` those no unit
    owns; without them (plans, nodes, periods) a unit-scoped role reaches its entity whole."""
    r = reach(user, roles)
    if r.everything:
        return None
    if unit_q is None:
        return entity_q(sorted(_whole_entity_ids(r)))
    q = entity_q(sorted(r.entity_ids))
    if r.unit_ids:
        q |= unit_q(sorted(r.unit_ids))
    if r.unit_entity_ids:
        q |= unit_entity_q(sorted(r.unit_entity_ids))
    return q


class _ByEntity(models.QuerySet):
    entity_path = "entity_id"
    # Lookup of the owning indicator's org unit; None for rows above indicators.
    unit_path = None

    def visible_to(self, user):
        from .permissions import READ_ROLES

        return self.for_entity_roles(user, READ_ROLES)

    def for_entity_roles(self, user, roles):
        """Rows the user reaches through a membership holding one of `roles` (org-unit
        scope honoured, as in permissions.decide)."""
        entity, unit = self.entity_path, self.unit_path
        q = scope_q(
            user,
            roles,
            entity_q=lambda ids: Q(**{f"{entity}__in": ids}),
            unit_q=unit and (lambda ids: Q(**{f"{unit}__in": ids})),
            unit_entity_q=unit
            and (lambda ids: Q(**{f"{entity}__in": ids, f"{unit}__isnull": True})),
        )
        return self.all() if q is None else self.filter(q)


class PlanQuerySet(_ByEntity):
    entity_path = "entity_id"


class NodeQuerySet(_ByEntity):
    entity_path = "plan__entity_id"


class PeriodQuerySet(_ByEntity):
    entity_path = "plan__entity_id"

    def open(self):
        return self.filter(is_closed=False)

    def with_due(self):
        """Annotate `due_by`: the date the period's values are due (its due date, or without
        one its end date), to filter and order on; ReportingPeriod.due says the same."""
        from django.db.models.functions import Coalesce

        return self.annotate(due_by=Coalesce("due_date", "end_date"))


class IndicatorQuerySet(_ByEntity):
    entity_path = "plan__entity_id"
    unit_path = "org_unit_id"

    def active(self):
        return self.filter(is_active=True)

    def with_targets(self):
        """Baseline, targets and their parts in a fixed number of queries (what a row of the
        indicators API shows, with its responsible entity's code)."""
        from .models import Target

        return self.select_related("baseline", "responsible_entity").prefetch_related(
            "baseline__parts",
            Prefetch("targets", queryset=Target.objects.prefetch_related("parts")),
        )

    def with_framework(self):
        """with_targets(), and the plan, entity, result, level and unit pages show."""
        return self.with_targets().select_related("plan__entity", "node__level", "org_unit")

    def for_entry(self, period):
        """Everything a data-entry row shows: baseline, targets, this period's value and the
        last approved value — a fixed number of queries however many indicators there are."""
        from .choices import Status
        from .models import Value

        return self.with_framework().prefetch_related(
            Prefetch(
                "values",
                queryset=Value.objects.filter(period=period)
                .select_related("period", "entered_by")
                .prefetch_related("parts", "evidence", "comments__author"),
                to_attr="current_values",
            ),
            Prefetch(
                "values",
                queryset=Value.objects.filter(
                    status=Status.APPROVED, period__start_date__lte=period.start_date
                )
                .select_related("period")
                .prefetch_related("parts")
                .order_by("-period__start_date"),
                to_attr="approved_values",
            ),
        )


class BaselineQuerySet(_ByEntity):
    entity_path = "indicator__plan__entity_id"
    unit_path = "indicator__org_unit_id"


class TargetQuerySet(_ByEntity):
    entity_path = "indicator__plan__entity_id"
    unit_path = "indicator__org_unit_id"


class ValueQuerySet(_ByEntity):
    entity_path = "indicator__plan__entity_id"
    unit_path = "indicator__org_unit_id"

    def needing_action(self, user):
        """Values waiting for this user: drafts and returned values of entities where they
        enter values, submitted values (not their own) of entities where they review; all in
        open periods."""
        from entities.choices import Role
        from entities.permissions import entity_ids_with_role

        from .choices import Status

        if not user or not user.is_authenticated:
            return self.none()

        def within(ids):
            return models.Q() if ids is None else models.Q(indicator__plan__entity_id__in=ids)

        wanted = models.Q(pk__in=[])
        entering = entity_ids_with_role(user, {Role.PROGRAMME_OFFICER})
        if entering is None or entering:
            wanted |= within(entering) & models.Q(status__in=[Status.DRAFT, Status.RETURNED])
        reviewing = entity_ids_with_role(user, {Role.REVIEWER})
        if reviewing is None or reviewing:
            wanted |= (
                within(reviewing)
                & models.Q(status=Status.SUBMITTED)
                & ~models.Q(submitted_by=user)
                & ~models.Q(entered_by=user)
            )
        return self.filter(wanted, period__is_closed=False)

    def with_related(self):
        return self.select_related(
            "indicator__plan__entity",
            "period",
            "entered_by",
            "submitted_by",
            "reviewed_by",
        ).prefetch_related("parts")


class EvidenceQuerySet(_ByEntity):
    entity_path = "value__indicator__plan__entity_id"


class ImportJobQuerySet(_ByEntity):
    entity_path = "period__plan__entity_id"

    def visible_to(self, user):
        """An import is seen by the person who made it, the entity's reviewers and auditors."""
        from entities.choices import Role

        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(
            models.Q(created_by=user)
            | models.Q(
                pk__in=self.for_entity_roles(user, {Role.REVIEWER, Role.AUDITOR}).values("pk")
            )
        )


class ProgressResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Results of the indicators the user reaches (the same rule as Value.visible_to).
        Whole entities go through the plan (the first column of each partition's key), units
        through their indicators, both as subqueries rather than joins."""
        from .models import Indicator, Plan
        from .permissions import READ_ROLES

        q = scope_q(
            user,
            READ_ROLES,
            entity_q=lambda ids: Q(plan_id__in=Plan.objects.filter(entity_id__in=ids).values("pk")),
            unit_q=lambda ids: Q(
                indicator_id__in=Indicator.objects.filter(org_unit_id__in=ids).values("pk")
            ),
            unit_entity_q=lambda ids: Q(
                indicator_id__in=Indicator.objects.filter(
                    plan__entity_id__in=ids, org_unit__isnull=True
                ).values("pk")
            ),
        )
        return self.all() if q is None else self.filter(q)


class NodeRollupQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Roll-ups count every indicator under a result, whatever unit owns it: only a role
        held for the whole entity (or every entity) reads them; a role narrowed to one org
        unit does not."""
        from .permissions import READ_ROLES

        r = reach(user, READ_ROLES)
        return self.all() if r.everything else self.filter(entity_id__in=sorted(r.entity_ids))
