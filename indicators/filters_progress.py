"""FilterSets of stored progress, shared by the pages and the API."""

import django_filters
from django.db.models import Subquery
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, YearFilter

from .models import Indicator, NodeRollup, Plan, ProgressResult
from .models.progress import CompactClass, OnTrackStatus, RollupScope


class ProgressResultFilter(django_filters.FilterSet):
    indicator = IdFilter(method="indicator_in_its_plan", label=_("Indicator"))
    plan = IdFilter(field_name="plan_id", label=_("Framework"))
    node = IdFilter(field_name="frame__node_id", label=_("Result"))
    period = IdFilter(field_name="period_id", label=_("Period"))
    year = YearFilter(field_name="period_year", label=_("Year"))
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
        plans = Plan.objects.filter(entity__code__iexact=value).values("pk")
        return queryset.filter(plan_id__in=plans)

    def indicator_in_its_plan(self, queryset, name, value):
        # With its plan, the partition's key finds an indicator's rows without a scan.
        plan = Indicator.objects.filter(pk=value).values("plan_id")
        return queryset.filter(plan_id=Subquery(plan), indicator_id=value)

    def only_latest(self, queryset, name, value):
        if not value:
            return queryset
        from .selectors_progress import latest_results

        return queryset.filter(pk__in=latest_results(queryset).values("pk"))


class ProgressRollupFilter(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(choices=RollupScope.choices, label=_("Scope"))
    node = IdFilter(field_name="node_id", label=_("Result"))
    plan = IdFilter(field_name="plan_id", label=_("Framework"))
    year = YearFilter(label=_("Year"))
    entity = django_filters.CharFilter(method="by_entity", label=_("Entity (code)"))

    class Meta:
        model = NodeRollup
        fields = ["scope", "node", "plan", "year", "entity"]

    def by_entity(self, queryset, name, value):
        from entities.models import Entity

        return queryset.filter(entity_id__in=Entity.objects.filter(code__iexact=value).values("pk"))
