"""FilterSets of stored progress, shared by the pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import NodeRollup, ProgressResult
from .models.progress import CompactClass, OnTrackStatus, RollupScope


class ProgressResultFilter(django_filters.FilterSet):
    indicator = django_filters.NumberFilter(field_name="indicator_id", label=_("Indicator"))
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("Framework"))
    node = django_filters.NumberFilter(field_name="node_id", label=_("Result"))
    period = django_filters.NumberFilter(field_name="period_id", label=_("Period"))
    year = django_filters.NumberFilter(field_name="period_year", label=_("Year"))
    entity = django_filters.CharFilter(method="by_entity", label=_("Entity (code)"))
    compact_class = django_filters.ChoiceFilter(
        choices=CompactClass.choices, label=_("Classification")
    )
    on_track_status = django_filters.ChoiceFilter(choices=OnTrackStatus.choices, label=_("Status"))
    latest = django_filters.BooleanFilter(method="only_latest", label=_("Latest period only"))

    class Meta:
        model = ProgressResult
        fields = ["indicator", "plan", "node", "period", "year", "entity", "compact_class"]

    def by_entity(self, queryset, name, value):
        from entities.models import Entity

        return queryset.filter(entity_id__in=Entity.objects.filter(code__iexact=value).values("pk"))

    def only_latest(self, queryset, name, value):
        if not value:
            return queryset
        from .selectors_progress import latest_results

        return queryset.filter(pk__in=latest_results(queryset).values("pk"))


class ProgressRollupFilter(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(choices=RollupScope.choices, label=_("Scope"))
    node = django_filters.NumberFilter(field_name="node_id", label=_("Result"))
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("Framework"))
    year = django_filters.NumberFilter(label=_("Year"))
    entity = django_filters.CharFilter(method="by_entity", label=_("Entity (code)"))

    class Meta:
        model = NodeRollup
        fields = ["scope", "node", "plan", "year", "entity"]

    by_entity = ProgressResultFilter.by_entity
