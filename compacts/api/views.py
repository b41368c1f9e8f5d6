"""The compacts API: as thin as the pages, through the same selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from indicators.models import Value

from .. import selectors
from ..filters import SystemValueFilter
from ..models import Compact, SystemValue
from .serializers import CompactSerializer, GroupClassesSerializer, SystemValueSerializer


class CompactViewSet(viewsets.ReadOnlyModelViewSet):
    """Compacts with their commitment groups and commitments; `classes` gives every indicator
    with its figures (as printed and typed), class and trend, and the roll-up per group."""

    serializer_class = CompactSerializer
    permission_classes = [IsAuthenticated]
    lookup_field = "code"

    def get_queryset(self):
        return Compact.objects.visible_to(self.request.user).prefetch_related("groups__commitments")

    @extend_schema(responses=GroupClassesSerializer(many=True))
    @action(detail=True)
    def classes(self, request, code=None):
        compact = self.get_object()
        return Response(GroupClassesSerializer(selectors.compact_tables(compact), many=True).data)


class SystemValueViewSet(viewsets.ReadOnlyModelViewSet):
    """System-wide values derived from entity reports, with the breakdown they were built from
    (an entity's value only for whoever may see that entity) and who has not reported.
    Filter with ?compact=<code>, ?indicator=<code> and ?year=."""

    serializer_class = SystemValueSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = SystemValueFilter

    def get_queryset(self):
        qs = SystemValue.objects.visible_to(self.request.user).select_related(
            "compact_indicator__indicator"
        )
        return qs.order_by("compact_indicator__order", "year")

    def get_serializer(self, *args, **kwargs):
        """The breakdown shows an entity's value only to whoever may see it: one query for the
        values of the rows being serialised (never all the values the user may see)."""
        instances = args[0] if args else kwargs.get("instance")
        if instances is not None:
            rows = instances if isinstance(instances, list | tuple) else [instances]
            ids = [r["value_id"] for sv in rows for r in sv.breakdown]
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["visible_value_ids"] = set(
                Value.objects.visible_to(self.request.user)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
        return super().get_serializer(*args, **kwargs)
