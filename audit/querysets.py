from django.db import models


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Events about entities the user may see; events with no entity only for auditors and
        administrators of every entity."""
        from entities.models import Entity
        from entities.permissions import has_global_role

        if not user or not user.is_authenticated:
            return self.none()
        if user.is_superuser or has_global_role(user):
            return self.all()
        return self.filter(entity__in=Entity.objects.visible_to(user))

    def for_target(self, obj):
        return self.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))
