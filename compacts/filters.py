"""FilterSets of the compacts lists, shared by pages and API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import YearFilter

from .models import SystemValue


class SystemValueFilter(django_filters.FilterSet):
    compact = django_filters.CharFilter(
        field_name="compact_indicator__commitment__group__compact__code",
        label=_("compact (code)"),
    )
    indicator = django_filters.CharFilter(
        field_name="compact_indicator__indicator__code", label=_("indicator (code)")
    )
    year = YearFilter(field_name="year", label=_("year"))

    class Meta:
        model = SystemValue
        fields = ["compact", "indicator", "year"]
