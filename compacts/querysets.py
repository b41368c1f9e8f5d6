"""Reads of compacts. A compact and its tables are public to every signed-in user; the entity
reports behind a system-wide value keep the visibility of the indicators app (Value.visible_to)."""

from django.db import models


class CompactQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .permissions import can_view_compacts

        # Every signed-in user reads the compacts (views.py decides the same for a cached row).
        return self.all() if can_view_compacts(user) else self.none()


class CompactIndicatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user or not user.is_authenticated:
            return self.none()
        return self.all()

    def with_figures(self):
        """Everything a compact table row shows, in a fixed number of queries."""
        from indicators.models import Target

        return self.select_related(
            "commitment__group__compact",
            "indicator__baseline",
            "indicator__plan",
        ).prefetch_related(
            "indicator__baseline__parts",
            models.Prefetch(
                "indicator__targets", queryset=Target.objects.prefetch_related("parts")
            ),
            "system_values",
        )


class SystemValueQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user or not user.is_authenticated:
            return self.none()
        return self.all()
