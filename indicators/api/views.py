"""The indicators API: as thin as the pages, through the same services, querysets and filters."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.cache import CachedListMixin
from core.exports import api_export_action
from core.files import private_download_response
from core.serializers import private_files_action

from .. import exporters, permissions, selectors, services
from ..choices import Action
from ..fields import TYPED_FIELDS
from ..filters import (
    BaselineFilter,
    IndicatorFilter,
    NodeFilter,
    PeriodFilter,
    PlanFilter,
    TargetFilter,
    ValueFilter,
)
from ..models import (
    Baseline,
    Evidence,
    ImportJob,
    Indicator,
    Node,
    Plan,
    ReportingPeriod,
    Target,
    Value,
)
from ..querysets import visibility_key
from .serializers import (
    ApproveSerializer,
    BaselineSerializer,
    BulkActionSerializer,
    BulkResultSerializer,
    ConflictSerializer,
    HistoryEntrySerializer,
    ImportJobSerializer,
    IndicatorSerializer,
    IndicatorWriteSerializer,
    NodeSerializer,
    PeriodCloseSerializer,
    PeriodSerializer,
    PlanSerializer,
    ReasonSerializer,
    TargetSerializer,
    ValueEvidenceSerializer,
    ValueEvidenceUploadSerializer,
    ValueSerializer,
    ValueUpdateSerializer,
    VersionSerializer,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TYPED_KEYS = TYPED_FIELDS


def conflict(exc):
    """HTTP 409 with the value as it is now, so the client can show it and decide."""
    value = Value.objects.with_related().get(pk=exc.value.pk)
    return Response(
        {"detail": str(exc), "current": ValueSerializer(value).data},
        status=status.HTTP_409_CONFLICT,
    )


def current_typed(obj):
    """The stored typed data of a baseline/target/value, for PATCH to overlay."""
    data = {k: getattr(obj, k) for k in TYPED_KEYS}
    data["parts"] = {p.code: p.numeric_value for p in obj.parts.all()}
    return data


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Results frameworks the caller may see, with their level names."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilter

    def get_queryset(self):
        return (
            Plan.objects.visible_to(self.request.user)
            .select_related("entity")
            .prefetch_related("levels")
        )


class NodeViewSet(viewsets.ReadOnlyModelViewSet):
    """Results (nodes of a framework's tree)."""

    serializer_class = NodeSerializer
    filterset_class = NodeFilter

    def get_queryset(self):
        return Node.objects.visible_to(self.request.user).select_related("level")


class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """Reporting periods; the Excel template of one period at .../template/."""

    serializer_class = PeriodSerializer
    filterset_class = PeriodFilter

    def get_queryset(self):
        return ReportingPeriod.objects.visible_to(self.request.user)

    def _set_closed(self, request, closed):
        # The service checks permission before the reason: a refusal is 403 whatever is sent.
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        period = services.period_set_closed(
            period=self.get_object(), closed=closed, actor=request.user, reason=str(reason)
        )
        return Response(PeriodSerializer(period).data)

    @extend_schema(request=PeriodCloseSerializer, responses={200: PeriodSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the period, saying why (recorded in the audit trail)."""
        return self._set_closed(request, True)

    @extend_schema(request=PeriodCloseSerializer, responses={200: PeriodSerializer})
    @action(detail=True, methods=["post"], url_path="open")
    def open_(self, request, pk=None):
        """Open the period again, saying why."""
        return self._set_closed(request, False)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def template(self, request, pk=None):
        period = self.get_object()
        content = exporters.build_template(period, user=request.user)
        response = HttpResponse(
            content,
            content_type=XLSX_CONTENT_TYPE,
        )
        name = f"{period.plan.entity.code}-{period.plan.code}-{period.label}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class IndicatorViewSet(
    CachedListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Indicators with their baseline and targets. Reviewers create and change them."""

    filterset_class = IndicatorFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Pages of the list are shared by readers who see the same indicators (core.cache).
    cache_name = "api:indicators"
    cache_scopes = ("indicators", "entities")

    def cache_visibility(self):
        return visibility_key(self.request.user)

    def get_queryset(self):
        # Only what a row shows: each join costs PostgreSQL planning time on every page.
        return Indicator.objects.visible_to(self.request.user).with_targets()

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return IndicatorWriteSerializer
        return IndicatorSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan, code = data.pop("plan"), data.pop("code")
        if not Plan.objects.visible_to(self.request.user).filter(pk=plan.pk).exists():
            raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))
        serializer.instance = services.indicator_save(
            plan=plan, code=code, actor=self.request.user, data=data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("plan", None)
        indicator = serializer.instance
        code = data.pop("code", indicator.code)
        serializer.instance = services.indicator_save(
            plan=indicator.plan,
            code=code,
            actor=self.request.user,
            data=data,
            indicator=indicator,
        )


class _FrameworkValueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _indicator(self, serializer):
        indicator = serializer.validated_data.get("indicator") or serializer.instance.indicator
        return get_object_or_404(Indicator.objects.visible_to(self.request.user), pk=indicator.pk)

    def _data(self, serializer):
        data = current_typed(serializer.instance) if serializer.instance else {}
        data.update(serializer.typed_data())
        return data


class BaselineViewSet(_FrameworkValueViewSet):
    """Baselines (value and period). Reviewers set them; every change is in the audit trail."""

    serializer_class = BaselineSerializer
    filterset_class = BaselineFilter

    def get_queryset(self):
        return (
            Baseline.objects.visible_to(self.request.user)
            .select_related("indicator")
            .prefetch_related("parts")
        )

    def perform_create(self, serializer):
        serializer.instance = services.baseline_set(
            indicator=self._indicator(serializer),
            actor=self.request.user,
            data=self._data(serializer)
            | {
                "period_start": serializer.validated_data.get("period_start"),
                "period_end": serializer.validated_data.get("period_end"),
            },
        )

    def perform_update(self, serializer):
        baseline = serializer.instance
        data = self._data(serializer)
        data["period_start"] = serializer.validated_data.get("period_start", baseline.period_start)
        data["period_end"] = serializer.validated_data.get("period_end", baseline.period_end)
        serializer.instance = services.baseline_set(
            indicator=self._indicator(serializer), actor=self.request.user, data=data
        )


class TargetViewSet(_FrameworkValueViewSet):
    """Targets, one per year: milestones and the end target."""

    serializer_class = TargetSerializer
    filterset_class = TargetFilter

    def get_queryset(self):
        return (
            Target.objects.visible_to(self.request.user)
            .select_related("indicator")
            .prefetch_related("parts")
        )

    def perform_create(self, serializer):
        vd = serializer.validated_data
        serializer.instance = services.target_set(
            indicator=self._indicator(serializer),
            year=vd.get("year"),
            target_kind=vd.get("target_kind", "milestone"),
            actor=self.request.user,
            data=self._data(serializer),
        )

    def perform_update(self, serializer):
        target = serializer.instance
        serializer.instance = services.target_set(
            indicator=self._indicator(serializer),
            year=target.year,
            target_kind=serializer.validated_data.get("target_kind", target.target_kind),
            actor=self.request.user,
            data=self._data(serializer),
        )


@extend_schema(responses={200: ValueSerializer, 409: ConflictSerializer})
class ValueViewSet(
    CachedListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Measured values and their workflow: draft → submitted → approved, or → returned (with a
    reason) → corrected and resubmitted; approved values are reopened by a reviewer with a
    reason. Every change carries the `version` the client saw; an older one gets HTTP 409 with
    the current value."""

    filterset_class = ValueFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Pages of the list are shared by readers who see the same values (core.cache).
    cache_name = "api:values"
    cache_scopes = ("indicators", "entities")
    cache_personal_params = ("needs_action",)

    def cache_visibility(self):
        return visibility_key(self.request.user)

    def get_queryset(self):
        return Value.objects.visible_to(self.request.user).with_related()

    def get_serializer_class(self):
        if self.action == "partial_update":
            return ValueUpdateSerializer
        return ValueSerializer

    export = api_export_action(
        exporters.VALUES, "The filtered list of values as an Excel workbook, numbers as numbers."
    )

    def _respond(self, value, code=status.HTTP_200_OK):
        value = Value.objects.with_related().get(pk=value.pk)
        return Response(ValueSerializer(value).data, status=code)

    @extend_schema(responses={201: ValueSerializer, 409: ConflictSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ValueSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        vd = serializer.validated_data
        indicator = get_object_or_404(
            Indicator.objects.visible_to(request.user).select_related("plan"),
            pk=vd["indicator"].pk,
        )
        period = get_object_or_404(
            ReportingPeriod.objects.visible_to(request.user), pk=vd["period"].pk
        )
        try:
            value = services.value_save(
                indicator=indicator,
                period=period,
                data=serializer.typed_data(),
                actor=request.user,
                # A create never overwrites: an existing value answers 409.
                expected_version=vd.get("version", 0),
            )
        except services.StaleVersion as exc:
            return conflict(exc)
        return self._respond(value, status.HTTP_201_CREATED)

    @extend_schema(responses={200: ValueSerializer, 409: ConflictSerializer})
    def partial_update(self, request, *args, **kwargs):
        value = self.get_object()
        serializer = ValueUpdateSerializer(
            value, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        if "version" not in serializer.validated_data:
            raise ValidationError(
                {"version": [_("Send the version you saw; changes without it are refused.")]}
            )
        data = current_typed(value)
        data.update(serializer.typed_data())
        try:
            value = services.value_save(
                indicator=value.indicator,
                period=value.period,
                data=data,
                actor=request.user,
                expected_version=serializer.validated_data["version"],
            )
        except services.StaleVersion as exc:
            return conflict(exc)
        return self._respond(value)

    def _transition(self, request, service, serializer_class, **extra):
        value = self.get_object()
        params = serializer_class(data=request.data)
        params.is_valid(raise_exception=True)
        kwargs = {k: params.validated_data[k] for k in extra if k in params.validated_data}
        try:
            value = service(
                value=value,
                actor=request.user,
                expected_version=params.validated_data.get("version"),
                **kwargs,
            )
        except services.StaleVersion as exc:
            return conflict(exc)
        return self._respond(value)

    @extend_schema(
        request=VersionSerializer, responses={200: ValueSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, services.value_submit, VersionSerializer)

    @extend_schema(
        request=ApproveSerializer, responses={200: ValueSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, services.value_approve, ApproveSerializer, rating=1)

    @extend_schema(
        request=ReasonSerializer, responses={200: ValueSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._transition(request, services.value_return, ReasonSerializer, reason=1)

    @extend_schema(
        request=ReasonSerializer, responses={200: ValueSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._transition(request, services.value_reopen, ReasonSerializer, reason=1)

    @private_files_action(
        serializer=ValueEvidenceSerializer,
        upload_serializer=ValueEvidenceUploadSerializer,
        owner="value",
        who="who may attach, and when, as on the value's page",
    )
    def evidence(self, request, pk=None):
        value = self.get_object()
        if request.method == "POST":
            params = ValueEvidenceUploadSerializer(data=request.data)
            params.is_valid(raise_exception=True)
            evidence = services.evidence_attach(
                value=value, actor=request.user, upload=params.validated_data["file"]
            )
            return Response(ValueEvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)
        if not permissions.can_view_evidence(request.user, value):
            raise PermissionDenied
        rows = value.evidence.select_related("uploaded_by")
        return Response(ValueEvidenceSerializer(rows, many=True).data)

    @extend_schema(request=BulkActionSerializer, responses={200: BulkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Submit, approve or return many values at once (a return with one reason for all).
        Each value is checked and audited on its own; the answer lists, per value, whether
        it succeeded and, if not, why."""
        params = BulkActionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        vd = params.validated_data
        results = services.values_bulk_transition(
            action=vd["action"],
            items=[(item["id"], item["version"]) for item in vd["values"]],
            actor=request.user,
            reason=vd.get("reason", ""),
        )
        return Response(BulkResultSerializer({"results": results}).data)

    @extend_schema(responses={200: HistoryEntrySerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        value = self.get_object()
        if not permissions.can(request.user, Action.HISTORY, value):
            raise PermissionDenied(_("Only reviewers and auditors see a value's history."))
        rows = selectors.value_history(value)
        return Response(HistoryEntrySerializer(rows, many=True).data)


class EvidenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence files of the values the caller may see; upload through
    `POST /values/{id}/evidence/`."""

    serializer_class = ValueEvidenceSerializer
    filterset_class = None

    def get_queryset(self):
        return Evidence.objects.visible_to(self.request.user).select_related("uploaded_by")

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such evidence among those you may see."),
        }
    )
    @action(detail=True, methods=["get"], url_name="download")
    def download(self, request, pk=None):
        """The file itself, always as an attachment."""
        evidence = self.get_object()
        value = Value.objects.with_related().get(pk=evidence.value_id)
        if not permissions.can_view_evidence(request.user, value):
            raise PermissionDenied
        return private_download_response(
            evidence.file.name,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )


class ImportJobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Upload a filled-in template (multipart: period, file). Small files are checked at once,
    large ones in a background job: poll the import for status, progress and problems (by row
    and column), then POST .../commit/ to write every row, or nothing. A failed import (its
    worker stopped) is read again with POST .../retry/."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return ImportJob.objects.visible_to(self.request.user).select_related("period")

    def perform_create(self, serializer):
        period = get_object_or_404(
            ReportingPeriod.objects.visible_to(self.request.user).select_related("plan__entity"),
            pk=serializer.validated_data["period"].pk,
        )
        serializer.instance = services.import_job_create(
            period=period, upload=serializer.validated_data["file"], actor=self.request.user
        )

    @extend_schema(
        request=None,
        responses={200: ImportJobSerializer, 400: OpenApiResponse(description="not committable")},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def commit(self, request, pk=None):
        job = services.import_commit(job=self.get_object(), actor=request.user)
        return Response(ImportJobSerializer(job).data)

    @extend_schema(
        request=None,
        responses={
            200: ImportJobSerializer,
            400: OpenApiResponse(description="not failed"),
            403: OpenApiResponse(description="not the uploader"),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def retry(self, request, pk=None):
        """Read a failed import again (e.g. its worker stopped): the uploader only."""
        job = services.import_retry(job=self.get_object(), actor=request.user)
        return Response(ImportJobSerializer(job).data)
