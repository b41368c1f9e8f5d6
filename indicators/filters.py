"""FilterSets shared by the pages and the API."""

import django_filters
from django.db.models import Exists, OuterRef, Q
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


def in_plan(queryset, plan_id, *, indicator=""):
    """Rows of one framework, in the list order (Indicator and Value Meta.ordering) without its
    leading entity and framework keys, equal within one framework: ordered by them, PostgreSQL
    joins and sorts every row of the framework for a page of 50; without them it walks the
    index indicator_plan_order and stops at the page. `indicator`: the path to the indicator."""
    rows = queryset.filter(**{f"{indicator}plan_id": plan_id})
    keys = [f"{indicator}order", f"{indicator}code"]
    return rows.order_by(*keys, *(["period__start_date"] if indicator else []))


class IndicatorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    plan = IdFilter(method="in_plan", label=_("Framework"))
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

    def in_plan(self, queryset, name, value):
        return in_plan(queryset, value)


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
    plan = IdFilter(method="in_plan", label=_("Framework"))
    period = IdFilter(field_name="period_id", label=_("Period"))
    indicator = IdFilter(field_name="indicator_id", label=_("Indicator"))
    entity = django_filters.CharFilter(
        field_name="indicator__plan__entity__code", lookup_expr="iexact", label=_("Entity (code)")
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    needs_action = django_filters.BooleanFilter(method="needing_action", label=_("Needs my action"))

    class Meta:
        model = Value
        fields = ["q", "plan", "period", "indicator", "entity", "status", "needs_action"]

    def needing_action(self, queryset, name, value):
        mine = queryset.needing_action(getattr(self.request, "user", None))
        return mine if value else queryset.exclude(pk__in=mine.values("pk"))

    def in_plan(self, queryset, name, value):
        return in_plan(queryset, value, indicator="indicator__")

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(indicator__code__icontains=value)
            | Q(indicator__name_en__icontains=value)
            | Q(indicator__name_zh__icontains=value)
        )


NOT_ENTERED = "none"


class EntryFilter(django_filters.FilterSet):
    """The data-entry grid's rows (indicators of one period): by the status of the period's
    value, or only those waiting for the officer (not entered, draft or returned). The API's
    list of values takes the same status and needs_action filters (ValueFilter)."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=[(NOT_ENTERED, _("Not entered")), *Status.choices],
        method="by_status",
        label=_("Status"),
    )
    needs_action = django_filters.BooleanFilter(method="needing_action", label=_("Needs my action"))

    class Meta:
        model = Indicator
        fields = ["q", "status", "needs_action"]

    def __init__(self, *args, period, **kwargs):
        self.period = period
        super().__init__(*args, **kwargs)

    def _values(self, **filters):
        return Exists(Value.objects.filter(indicator=OuterRef("pk"), period=self.period, **filters))

    def search(self, queryset, name, value):
        return IndicatorFilter.search(self, queryset, name, value)

    def by_status(self, queryset, name, value):
        if value == NOT_ENTERED:
            return queryset.filter(~self._values())
        return queryset.filter(self._values(status=value))

    def needing_action(self, queryset, name, value):
        waiting = ~self._values() | self._values(status__in=[Status.DRAFT, Status.RETURNED])
        if self.period.is_closed:
            return queryset.none() if value else queryset
        return queryset.filter(waiting if value else ~waiting)
