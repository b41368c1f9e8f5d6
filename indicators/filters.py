"""FilterSets shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, YearFilter

from .choices import PlanKind, Status, ValueKind
from .models import Baseline, Indicator, Node, Plan, ReportingPeriod, Target, Value


class PlanFilter(django_filters.FilterSet):
    entity = django_filters.CharFilter(
        field_name="entity__code", lookup_expr="iexact", label=_("Entity (code)")
    )
    kind = django_filters.ChoiceFilter(choices=PlanKind.choices, label=_("Kind"))

    class Meta:
        model = Plan
        fields = ["entity", "kind"]


class NodeFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id", label=_("Framework"))
    level = django_filters.CharFilter(field_name="level__code", label=_("Level (code)"))
    parent = IdFilter(field_name="parent_id", label=_("Parent"))

    class Meta:
        model = Node
        fields = ["plan", "level", "parent"]


class PeriodFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id", label=_("Framework"))
    is_closed = django_filters.BooleanFilter(label=_("Closed"))

    class Meta:
        model = ReportingPeriod
        fields = ["plan", "is_closed"]


class IndicatorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    plan = IdFilter(field_name="plan_id", label=_("Framework"))
    node = IdFilter(field_name="node_id", label=_("Result"))
    entity = django_filters.CharFilter(
        field_name="plan__entity__code", lookup_expr="iexact", label=_("Entity (code)")
    )
    value_kind = django_filters.ChoiceFilter(choices=ValueKind.choices, label=_("Value kind"))

    class Meta:
        model = Indicator
        fields = ["q", "plan", "node", "entity", "value_kind"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(code__icontains=value) | Q(name_en__icontains=value) | Q(name_zh__icontains=value)
        )


class BaselineFilter(django_filters.FilterSet):
    indicator = IdFilter(field_name="indicator_id", label=_("Indicator"))
    plan = IdFilter(field_name="indicator__plan_id", label=_("Framework"))

    class Meta:
        model = Baseline
        fields = ["indicator", "plan"]


class TargetFilter(BaselineFilter):
    year = YearFilter(label=_("Year"))

    class Meta:
        model = Target
        fields = ["indicator", "plan", "year"]


class ValueFilter(django_filters.FilterSet):
    """Shared by the review queue page and GET /api/v1/values/."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    plan = IdFilter(field_name="indicator__plan_id", label=_("Framework"))
    period = IdFilter(field_name="period_id", label=_("Period"))
    indicator = IdFilter(field_name="indicator_id", label=_("Indicator"))
    entity = django_filters.CharFilter(
        field_name="indicator__plan__entity__code", lookup_expr="iexact", label=_("Entity (code)")
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))

    class Meta:
        model = Value
        fields = ["q", "plan", "period", "indicator", "entity", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(indicator__code__icontains=value)
            | Q(indicator__name_en__icontains=value)
            | Q(indicator__name_zh__icontains=value)
        )
