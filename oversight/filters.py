"""One FilterSet per list, shared by the pages, the Excel export and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.filters import YearFilter
from entities.models import Entity, OrgUnit

from .choices import (
    Acceptance,
    ActionItemStatus,
    MandateKind,
    OverdueBucket,
    ResolutionStatus,
    ReviewState,
    Status,
)
from .models import ActionPlanItem, OversightBody, OversightReport, Recommendation, Resolution


class RecommendationFilter(django_filters.FilterSet):
    """Shared by /oversight/, its Excel export and GET /api/v1/oversight/recommendations/."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    body = django_filters.ModelChoiceFilter(
        queryset=OversightBody.objects.all(),
        to_field_name="code",
        label=_("Oversight body"),
    )
    entity = django_filters.ModelChoiceFilter(
        queryset=Entity.objects.all(), to_field_name="code", label=_("Entity")
    )
    report = django_filters.CharFilter(
        field_name="report__symbol", lookup_expr="iexact", label=_("Report (symbol)")
    )
    year = YearFilter(method="issued_in", label=_("Year issued"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    acceptance = django_filters.ChoiceFilter(choices=Acceptance.choices, label=_("Acceptance"))
    review_state = django_filters.ChoiceFilter(choices=ReviewState.choices, label=_("Review state"))
    critical = django_filters.BooleanFilter(field_name="is_critical", label=_("Critical"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    ageing = django_filters.ChoiceFilter(
        choices=OverdueBucket.choices, method="filter_ageing", label=_("Ageing")
    )
    org_unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(), label=_("Responsible unit")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("issued_on", "issued_on"),
            ("target_date", "target_date"),
            ("reference", "reference"),
            ("status", "status"),
        ),
        label=_("Order by"),
    )

    class Meta:
        model = Recommendation
        fields = [
            "q",
            "body",
            "entity",
            "report",
            "year",
            "status",
            "acceptance",
            "review_state",
            "critical",
            "overdue",
            "ageing",
            "org_unit",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            # Offer only what the user may see; a code outside it is refused as invalid.
            self.filters["entity"].queryset = Entity.objects.visible_to(user)
            self.filters["org_unit"].queryset = OrgUnit.objects.visible_to(user).select_related(
                "entity"
            )

    def search(self, queryset, name, value):
        return queryset.search(value)

    def issued_in(self, queryset, name, value):
        # A date range, so the issued_on index serves it.
        return queryset.filter(issued_on__year=int(value))

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_ageing(self, queryset, name, value):
        return queryset.in_overdue_bucket(value)


class ReportFilter(django_filters.FilterSet):
    body = django_filters.ModelChoiceFilter(
        queryset=OversightBody.objects.all(), to_field_name="code", label=_("Oversight body")
    )
    symbol = django_filters.CharFilter(lookup_expr="icontains", label=_("Symbol"))
    volume = django_filters.CharFilter(label=_("Volume"))

    class Meta:
        model = OversightReport
        fields = ["body", "symbol", "volume"]


class ResolutionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=ResolutionStatus.choices, label=_("Status"))
    agenda_item = django_filters.CharFilter(field_name="agenda_item_number", label=_("Agenda item"))
    session = django_filters.CharFilter(label=_("Session"))
    kind = django_filters.ChoiceFilter(choices=MandateKind.choices, label=_("Kind"))

    class Meta:
        model = Resolution
        fields = ["q", "status", "agenda_item", "session", "kind"]

    def search(self, queryset, name, value):
        return queryset.search(value)


class ActionPlanItemFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="plan__code", label=_("Plan"))
    status = django_filters.ChoiceFilter(choices=ActionItemStatus.choices, label=_("Status"))

    class Meta:
        model = ActionPlanItem
        fields = ["plan", "status"]


class StatisticsFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the issue dates is after their end."))
        return data


class StatisticsFilter(django_filters.FilterSet):
    """Which recommendations the statistics count: of one entity, of one report, issued
    between two dates (each end included). Shared by the page and GET
    /api/v1/oversight/statistics/."""

    entity = django_filters.ModelChoiceFilter(
        queryset=Entity.objects.all(), to_field_name="code", label=_("Entity")
    )
    report = django_filters.CharFilter(
        field_name="report__symbol", lookup_expr="iexact", label=_("Report (symbol)")
    )
    issued_from = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=_("Issued on or after")
    )
    issued_to = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=_("Issued on or before")
    )

    class Meta:
        model = Recommendation
        fields = ["entity", "report", "issued_from", "issued_to"]
        form = StatisticsFilterForm

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            self.filters["entity"].queryset = Entity.objects.visible_to(user)
