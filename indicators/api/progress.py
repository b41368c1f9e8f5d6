"""Stored progress through the API: results per indicator and period, roll-ups per result,
framework and entity — the current snapshot, what the caller may see, read-only — and the
computations ("runs"): started by reviewers and administrators, followed by anyone signed in."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core.exports import api_export_action

from .. import exporters
from ..filters_progress import ProgressResultFilter, ProgressRollupFilter
from ..models import NodeRollup, ProgressResult, ProgressSnapshot
from ..selectors_progress import results_visible_to, rollups_visible_to
from ..services.progress import progress_run_start


class ProgressResultSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    period_label = serializers.CharField(source="period.label", read_only=True)
    # The same for every period of the indicator: from its frame in the snapshot.
    node_id = serializers.IntegerField(source="frame.node_id", read_only=True)
    entity_id = serializers.IntegerField(source="frame.entity_id", read_only=True)
    baseline = serializers.FloatField(source="frame.baseline", read_only=True, allow_null=True)
    baseline_year = serializers.IntegerField(
        source="frame.baseline_year", read_only=True, allow_null=True
    )
    target = serializers.FloatField(source="frame.target", read_only=True, allow_null=True)
    target_year = serializers.IntegerField(
        source="frame.target_year", read_only=True, allow_null=True
    )

    class Meta:
        model = ProgressResult
        fields = [
            "indicator", "indicator_code", "period", "period_label", "period_year", "node_id",
            "plan_id", "entity_id", "value_id", "previous_value_id", "baseline",
            "baseline_year", "target", "target_year", "actual", "previous", "percent_of_way",
            "achieved", "compact_class", "on_track_status", "trend",
        ]  # fmt: skip


class ProgressRollupSerializer(serializers.ModelSerializer):
    class Meta:
        model = NodeRollup
        fields = [
            "scope", "node", "plan_id", "entity_id", "year", "n", "progress", "no_progress",
            "other", "assessable", "achieved", "on_track", "off_track", "not_started",
            "share_progress_all", "share_progress_assessable",
        ]  # fmt: skip


@extend_schema(tags=["progress"])
class ProgressResultViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Progress of each indicator as of each period (percent of the way, achieved,
    funding-compact class, on-track status, trend). `?latest=true`: the latest period only."""

    serializer_class = ProgressResultSerializer
    filterset_class = ProgressResultFilter

    def get_queryset(self):
        # The order of each partition's key (plan, indicator, period): pages of a million
        # rows without a sort.
        return results_visible_to(self.request.user).order_by(
            "plan_id", "indicator_id", "period_id"
        )

    export = api_export_action(
        exporters.PROGRESS, "The filtered results as an Excel workbook, figures as numbers."
    )


@extend_schema(tags=["progress"])
class ProgressRollupViewSet(viewsets.ReadOnlyModelViewSet):
    """Counts per class and status with the share that made progress (of all indicators and
    of those assessable), per result node (with everything under it), framework and entity,
    per year."""

    serializer_class = ProgressRollupSerializer
    filterset_class = ProgressRollupFilter

    def get_queryset(self):
        return rollups_visible_to(self.request.user).order_by(
            "scope", "entity_id", "plan_id", "node_id", "year", "pk"
        )


class ProgressRunSerializer(serializers.ModelSerializer):
    """A computation of progress: its state (running, complete, failed with the reason)."""

    url = serializers.HyperlinkedIdentityField(view_name="progress-run-detail")

    class Meta:
        model = ProgressSnapshot
        fields = [
            "id", "url", "scope", "status", "is_current", "as_of", "created_at", "finished_at",
            "updated_at", "result_count", "error",
        ]  # fmt: skip
        read_only_fields = fields


class ProgressRunStartSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="The as-of date of the computation (default: today)."
    )


@extend_schema(tags=["progress"])
class ProgressRunViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Computations of progress, newest first. POST starts one in the background (reviewers
    and administrators; 202 with the URL of its status); GET follows it until its status is
    "complete" (it is then the current snapshot) or "failed" (with the reason)."""

    serializer_class = ProgressRunSerializer
    queryset = ProgressSnapshot.objects.order_by("-created_at", "-id")

    @extend_schema(request=ProgressRunStartSerializer, responses={202: ProgressRunSerializer})
    def create(self, request, *args, **kwargs):
        start = ProgressRunStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        snapshot = progress_run_start(actor=request.user, as_of=start.validated_data.get("as_of"))
        data = ProgressRunSerializer(snapshot, context=self.get_serializer_context()).data
        location = reverse("progress-run-detail", args=[snapshot.pk], request=request)
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})
