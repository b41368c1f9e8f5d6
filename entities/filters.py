import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import EntityType
from .models import Entity


class EntityFilter(django_filters.FilterSet):
    """Shared by the entity list page and GET /api/v1/entities/."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    entity_type = django_filters.ChoiceFilter(choices=EntityType.choices, label=_("Type"))
    governing_body = django_filters.CharFilter(
        field_name="governing_body__code", lookup_expr="iexact", label=_("Governing body (code)")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Entity
        fields = ["q", "entity_type", "governing_body", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name_en__icontains=value)
            | Q(name_zh__icontains=value)
            | Q(short_name_zh__icontains=value)
        )
