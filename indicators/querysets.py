"""Chainable reads and visibility for frameworks and values: pages, API and exports all call
visible_to(), so no surface can show what another hides."""

from django.db import models
from django.db.models import Prefetch


def _visible_entity_ids(user):
    """Entity ids whose results the user may read; None means all."""
    from entities.permissions import entity_ids_with_role

    from .permissions import READ_ROLES

    if not user or not user.is_authenticated:
        return set()
    return entity_ids_with_role(user, READ_ROLES)


class _ByEntity(models.QuerySet):
    entity_path = "entity_id"

    def visible_to(self, user):
        ids = _visible_entity_ids(user)
        if ids is None:
            return self.all()
        return self.filter(**{f"{self.entity_path}__in": ids})

    def for_entity_roles(self, user, roles):
        """Rows of entities where the user holds one of `roles`."""
        from entities.permissions import entity_ids_with_role

        if not user or not user.is_authenticated:
            return self.none()
        ids = entity_ids_with_role(user, roles)
        if ids is None:
            return self.all()
        return self.filter(**{f"{self.entity_path}__in": ids})


class PlanQuerySet(_ByEntity):
    entity_path = "entity_id"


class NodeQuerySet(_ByEntity):
    entity_path = "plan__entity_id"


class PeriodQuerySet(_ByEntity):
    entity_path = "plan__entity_id"

    def open(self):
        return self.filter(is_closed=False)


class IndicatorQuerySet(_ByEntity):
    entity_path = "plan__entity_id"

    def active(self):
        return self.filter(is_active=True)

    def with_framework(self):
        """Baseline, targets and their parts in a fixed number of queries."""
        from .models import Target

        return self.select_related(
            "plan__entity", "node__level", "baseline", "org_unit", "responsible_entity"
        ).prefetch_related(
            "baseline__parts",
            Prefetch("targets", queryset=Target.objects.prefetch_related("parts")),
        )

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


class TargetQuerySet(_ByEntity):
    entity_path = "indicator__plan__entity_id"


class ValueQuerySet(_ByEntity):
    entity_path = "indicator__plan__entity_id"

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
