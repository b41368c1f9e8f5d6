"""Visibility of reports, runs and files, declared once and used by pages, API and downloads."""

from django.db import models
from django.db.models import Q


def _in(path, ids):
    return Q() if ids is None else Q(**{f"{path}__in": ids})


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Drafts (report headers and narrative) are for the secretariat, reviewers and
        administrators of the entity."""
        from .permissions import draft_entity_ids

        ids = draft_entity_ids(user)
        return self.filter(_in("entity_id", ids))

    def manageable_by(self, user):
        from .permissions import managed_entity_ids

        ids = managed_entity_ids(user)
        return self.filter(_in("entity_id", ids))


class ReportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every run of an entity whose drafts the user sees; issued runs of every entity the
        user reads (the reader role sees issued runs only)."""
        from .permissions import draft_entity_ids, issued_entity_ids

        drafts, issued = draft_entity_ids(user), issued_entity_ids(user)
        if drafts is None:
            return self.all()
        issued_q = Q(issued_at__isnull=False) & _in("report__entity_id", issued)
        if not drafts and issued is not None and not issued:
            return self.none()
        return self.filter(Q(report__entity_id__in=drafts) | issued_q)

    def issued(self):
        return self.filter(issued_at__isnull=False)

    def public(self):
        """Issued runs of entities that opted in to the public page: nothing else."""
        return self.issued().filter(report__entity__report_publishing__public=True)


class ReportFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import ReportRun

        return self.filter(run__in=ReportRun.objects.visible_to(user))
