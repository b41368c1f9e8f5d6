"""Who sees an export job (reports.ExportRun): declared once, used by pages, API and
downloads."""

from django.db import models
from django.db.models import Q


class ExportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's own exports of lists they may still see; and finished exports of
        others that hold only rows of entities whose every row of that list the user sees
        (by the list's own visibility rule) — nobody opens a file with a row they could not
        see in the list."""
        from core.exports import kinds

        from .choices import ExportStatus

        if not user or not user.is_authenticated:
            return self.none()
        q = Q(pk__in=[])
        for kind in kinds().values():
            if not kind.can_view(user):
                continue
            q |= Q(kind=kind.name, requested_by=user)
            whole = kind.whole_entities(user)
            ready = Q(kind=kind.name, status=ExportStatus.SUCCEEDED)
            if whole is None:
                q |= ready
            else:
                q |= ready & Q(entity_ids__contained_by=sorted(whole))
        return self.filter(q)
