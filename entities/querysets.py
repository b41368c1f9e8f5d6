"""Chainable reads and visibility for entities. Pages, API and exports all call visible_to()."""

from django.db import models


class EntityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Entities the user may see: all for superusers and holders of an all-entity role,
        otherwise the entities in which the user holds any role."""
        from .permissions import has_global_role, member_entity_ids

        if not user or not user.is_authenticated:
            return self.none()
        if user.is_superuser or has_global_role(user):
            return self.all()
        return self.filter(pk__in=member_entity_ids(user))


class OrgUnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import Entity

        return self.filter(entity__in=Entity.objects.visible_to(user))


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user).select_related("entity", "org_unit")

    def visible_to(self, user):
        """A user sees their own memberships, and those of entities they may administer or
        review (so a reviewer can see who enters data for the entity)."""
        from .choices import Role
        from .permissions import entity_ids_with_role

        if not user or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        managed = entity_ids_with_role(user, {Role.ADMINISTRATOR, Role.REVIEWER, Role.AUDITOR})
        if managed is None:  # an all-entity role
            return self.all()
        return self.filter(models.Q(user=user) | models.Q(entity_id__in=managed))


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A user sees their own API tokens; those who may manage tokens see everyone's."""
        from .permissions import can_manage_all_tokens

        if not user or not user.is_authenticated:
            return self.none()
        if can_manage_all_tokens(user):
            return self.all()
        return self.filter(user=user)
