"""Chainable reads and visibility for oversight data. Pages, API and exports all start from
visible_to(user), so no surface shows what another hides."""

import datetime
import re

from django.db import models
from django.db.models import Case, DateField, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import CLOSED_STATUSES, OverdueBucket


def _scope(user):
    """(sees_everything, entity_ids, body_ids) for `user`."""
    from entities.permissions import has_global_role, member_entity_ids

    from .permissions import auditor_body_ids

    if not user or not user.is_authenticated:
        return False, set(), set()
    if user.is_superuser or has_global_role(user):
        return True, None, None
    return False, member_entity_ids(user), auditor_body_ids(user)


def visibility_key(user):
    """What of oversight `user` reads (visible_to below), as a cache-key part: users with the
    same key read the same recommendations and reports (core.cache)."""
    everything, entity_ids, body_ids = _scope(user)
    if everything:
        return "all"
    return f"e{','.join(map(str, sorted(entity_ids)))};b{','.join(map(str, sorted(body_ids)))}"


# CJK punctuation, ideographs and full-width forms.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


class DaysBetween(Func):
    """end - start in days: PostgreSQL subtracts two dates into an integer (Django's own
    date subtraction would return an interval)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


def today():
    return timezone.localdate()


class RecommendationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """All recommendations for superusers and holders of an all-entity role (auditors,
        readers); otherwise those of the user's entities and of the bodies they audit."""
        everything, entity_ids, body_ids = _scope(user)
        if everything:
            return self.all()
        if not entity_ids and not body_ids:
            return self.none()
        return self.filter(Q(entity_id__in=entity_ids) | Q(body_id__in=body_ids))

    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def search(self, text):
        """Every word must occur in the reference or the English or Chinese text.

        Substring matching (icontains, backed by trigram GIN indexes on UPPER(column)) works
        for Chinese, which has no spaces for a text-search parser to split on. A word with
        Chinese characters can only occur in the Chinese text, so only that column is
        searched: one indexed condition, which the planner serves from its index."""
        qs = self
        for word in text.split():
            if CJK.search(word):
                qs = qs.filter(text_zh__icontains=word)
            else:
                qs = qs.filter(
                    Q(reference__icontains=word)
                    | Q(text_en__icontains=word)
                    | Q(text_zh__icontains=word)
                )
        return qs

    def overdue(self, on=None):
        on = on or today()
        return self.open().filter(target_date__lt=on)

    def with_ageing(self, on=None):
        """days_open: from issue to implementation (or to `on` while open);
        days_overdue: days past the target date of an open recommendation (else null)."""
        on = on or today()
        on_value = Value(on, output_field=DateField())
        end = Coalesce(F("implementation_date"), on_value, output_field=DateField())
        closed = Q(status__in=CLOSED_STATUSES)
        return self.annotate(
            days_open=DaysBetween(end, F("issued_on")),
            days_overdue=Case(
                When(closed | Q(target_date__isnull=True) | Q(target_date__gte=on), then=None),
                default=DaysBetween(on_value, F("target_date")),
                output_field=IntegerField(),
            ),
        )

    def in_overdue_bucket(self, bucket, on=None):
        on = on or today()
        days = datetime.timedelta
        if bucket == OverdueBucket.NOT_DUE:
            return self.exclude(pk__in=self.overdue(on).values("pk"))
        bounds = {
            OverdueBucket.UP_TO_90: (1, 90),
            OverdueBucket.UP_TO_180: (91, 180),
            OverdueBucket.UP_TO_365: (181, 365),
            OverdueBucket.OVER_365: (366, None),
        }
        low, high = bounds[OverdueBucket(bucket)]
        qs = self.overdue(on).filter(target_date__lte=on - days(days=low))
        if high is not None:
            qs = qs.filter(target_date__gte=on - days(days=high))
        return qs

    def ageing_summary(self, on=None):
        """Open and overdue counts, and counts per overdue bucket, in one query over the open
        recommendations only (closed ones need not be read)."""
        from django.db.models import Count

        on = on or today()
        before = [on - datetime.timedelta(days=d) for d in (90, 180, 365)]
        due = Q(target_date__lt=on)
        return self.open().aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=due),
            **{
                "0-90": Count("pk", filter=due & Q(target_date__gte=before[0])),
                "91-180": Count(
                    "pk", filter=Q(target_date__lt=before[0], target_date__gte=before[1])
                ),
                "181-365": Count(
                    "pk", filter=Q(target_date__lt=before[1], target_date__gte=before[2])
                ),
                "365+": Count("pk", filter=Q(target_date__lt=before[2])),
            },
        )


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        everything, entity_ids, body_ids = _scope(user)
        if everything:
            return self.all()
        if not entity_ids and not body_ids:
            return self.none()
        from .models import Recommendation

        has_visible = Recommendation.objects.filter(
            report=models.OuterRef("pk"), entity_id__in=entity_ids
        )
        return self.filter(
            Q(entity_id__in=entity_ids) | Q(body_id__in=body_ids) | Q(models.Exists(has_visible))
        )


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import Recommendation

        return self.filter(recommendation__in=Recommendation.objects.visible_to(user))


class ResolutionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Governing-body resolutions are public documents: every signed-in user reads them."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.all()

    def search(self, text):
        qs = self
        for word in text.split():
            qs = qs.filter(
                Q(number__icontains=word)
                | Q(title_en__icontains=word)
                | Q(title_zh__icontains=word)
                | Q(summary_en__icontains=word)
                | Q(summary_zh__icontains=word)
                | Q(reports_or_actions_zh__icontains=word)
            )
        return qs


class ActionPlanItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user or not user.is_authenticated:
            return self.none()
        return self.all()


class RecommendationImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An uploaded file is seen by the person who uploaded it."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(created_by=user)
