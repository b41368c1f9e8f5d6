"""The oversight API: as thin as the pages, through the same services, filters and selectors."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.cache import CachedListMixin
from core.exports import api_export_action
from core.serializers import private_files_action

from .. import exporters, permissions, selectors, services
from ..choices import ImportStatus
from ..filters import (
    ActionPlanItemFilter,
    RecommendationFilter,
    ReportFilter,
    ResolutionFilter,
    StatisticsFilter,
)
from ..models import (
    ActionPlanItem,
    Evidence,
    OversightBody,
    OversightReport,
    Recommendation,
    RecommendationImport,
    Resolution,
)
from ..querysets import today, visibility_key
from ..views import evidence_response
from .serializers import (
    AcceptClosureSerializer,
    ActionPlanItemSerializer,
    BodyStatisticsSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    ImportRequestSerializer,
    OversightBodySerializer,
    ProgressSerializer,
    ProposeClosureSerializer,
    RecommendationDetailSerializer,
    RecommendationHistoryEntrySerializer,
    RecommendationImportSerializer,
    RecommendationSerializer,
    RecommendationUpdateSerializer,
    ReportSerializer,
    ResolutionSerializer,
    ReturnClosureSerializer,
)


class OversightBodyViewSet(viewsets.ReadOnlyModelViewSet):
    """Oversight bodies (OIOS, Board of Auditors, JIU, internal audit, ...)."""

    queryset = OversightBody.objects.all()
    serializer_class = OversightBodySerializer
    lookup_field = "code"
    filterset_class = None


class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Oversight reports that the caller may see; a body's auditors add its reports."""

    serializer_class = ReportSerializer
    filterset_class = ReportFilter

    def perform_create(self, serializer):
        serializer.instance = services.report_create(
            actor=self.request.user, **serializer.validated_data
        )

    def get_queryset(self):
        return OversightReport.objects.visible_to(self.request.user).select_related(
            "body", "entity"
        )


class RecommendationViewSet(
    CachedListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Recommendations visible to the caller, with the same filters as the page.

    Auditors of a body create and change its recommendations; the entity's focal points record
    progress, attach evidence and propose closure; the body's auditors accept or return it."""

    filterset_class = RecommendationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Pages of the list are shared by readers who see the same recommendations (core.cache);
    # their ageing counts days, so a new day is a new entry.
    cache_name = "api:recommendations"
    cache_scopes = ("oversight", "entities")

    def cache_visibility(self):
        return visibility_key(self.request.user)

    def cache_params(self):
        return (*super().cache_params(), today().isoformat())

    def get_queryset(self):
        qs = (
            Recommendation.objects.visible_to(self.request.user)
            .with_ageing()
            .select_related("body", "report", "entity", "org_unit")
        )
        if self.action == "retrieve":
            qs = qs.prefetch_related("evidence__uploaded_by", "comments__author")
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return RecommendationDetailSerializer
        if self.action in ("update", "partial_update"):
            return RecommendationUpdateSerializer
        return RecommendationSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.recommendation_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.recommendation_update(
            recommendation=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

    def _done(self, rec, code=status.HTTP_200_OK):
        rec = self.get_queryset().prefetch_related("evidence", "comments").get(pk=rec.pk)
        return Response(
            RecommendationDetailSerializer(rec, context=self.get_serializer_context()).data,
            status=code,
        )

    def _input(self, serializer_class):
        s = serializer_class(data=self.request.data)
        s.is_valid(raise_exception=True)
        return s.validated_data

    @extend_schema(request=ProgressSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Record progress (focal point of the entity)."""
        data = self._input(ProgressSerializer)
        rec = self.get_object()
        services.recommendation_record_progress(
            recommendation=rec,
            actor=request.user,
            note=data["note"],
            management_response=data.get("management_response"),
        )
        return self._done(rec)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        data = self._input(CommentCreateSerializer)
        comment = services.comment_add(
            recommendation=self.get_object(), actor=request.user, text=data["text"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @private_files_action(
        serializer=EvidenceSerializer,
        upload_serializer=EvidenceUploadSerializer,
        owner="recommendation",
        who="its focal point, while it is open; PDF, image, Office, text",
    )
    def evidence(self, request, pk=None):
        if request.method == "GET":
            rows = self.get_object().evidence.select_related("uploaded_by")
            return Response(EvidenceSerializer(rows, many=True).data)
        data = self._input(EvidenceUploadSerializer)
        evidence = services.evidence_add(
            recommendation=self.get_object(),
            actor=request.user,
            upload=data["file"],
            description=data.get("description", ""),
        )
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProposeClosureSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="propose-closure")
    def propose_closure(self, request, pk=None):
        data = self._input(ProposeClosureSerializer)
        rec = self.get_object()
        services.recommendation_propose_closure(recommendation=rec, actor=request.user, **data)
        return self._done(rec)

    @extend_schema(request=AcceptClosureSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="accept-closure")
    def accept_closure(self, request, pk=None):
        data = self._input(AcceptClosureSerializer)
        rec = self.get_object()
        services.recommendation_accept_closure(
            recommendation=rec, actor=request.user, note=data.get("note", "")
        )
        return self._done(rec)

    @extend_schema(request=ReturnClosureSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return-closure")
    def return_closure(self, request, pk=None):
        data = self._input(ReturnClosureSerializer)
        rec = self.get_object()
        services.recommendation_return_closure(
            recommendation=rec, actor=request.user, reason=data["reason"]
        )
        return self._done(rec)

    @extend_schema(responses=RecommendationHistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """Row history of the recommendation, its evidence and comments, newest first."""
        rows = selectors.recommendation_history(self.get_object())
        for r in rows:
            r["changes"] = {k: [str(a), str(b)] for k, (a, b) in r["changes"].items()}
            r["object"] = str(r["object"])
            r["what"] = str(r["what"])
        return Response(RecommendationHistoryEntrySerializer(rows, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: RecommendationImportSerializer,
            202: RecommendationImportSerializer,
            # A file with problems: the job with its errors; a request without a usable file:
            # field -> messages, as every other invalid input.
            400: OpenApiResponse(
                response={
                    "anyOf": [
                        {"$ref": "#/components/schemas/RecommendationImport"},
                        {"$ref": "#/components/schemas/ValidationError"},
                    ]
                }
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
        filterset_class=None,
    )
    def import_file(self, request):
        """Upload an .xlsx/.csv file of recommendations: it is checked (a preview writes
        nothing: written_rows 0, rows_to_write says what an import would write) and, with
        commit=true and no problem, imported. Any problem: 400 with the errors, nothing
        written. A large file is read in a job: 202 with status_url (and Location), then
        poll it (status, progress in per cent)."""
        if not permissions.can_import(request.user):  # before reading the upload
            raise PermissionDenied(str(permissions.WHY_NOT[permissions.EDIT]))
        data = self._input(ImportRequestSerializer)
        job = services.recommendation_import_create(upload=data["file"], actor=request.user)
        if data["commit"] and job.status == ImportStatus.READY:
            job = services.recommendation_import_commit(job=job, actor=request.user)
        return _import_response(job)

    export = api_export_action(
        exporters.RECOMMENDATIONS,
        "The filtered list as an Excel workbook (same columns as the import).",
    )


def _import_response(job):
    """The job: 400 with its problems, 202 with its status URL (also the Location header)
    while a worker reads or writes it, else 200."""
    data = RecommendationImportSerializer(job).data
    if job.status in (ImportStatus.INVALID, ImportStatus.FAILED):
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if job.is_running:
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )
    return Response(data, status=status.HTTP_200_OK)


class RecommendationImportViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """An upload of recommendations (POST oversight/recommendations/import/), seen by its
    uploader: status, preview, problems; commit it once its preview is clean."""

    serializer_class = RecommendationImportSerializer
    filterset_class = None

    def get_queryset(self):
        return RecommendationImport.objects.visible_to(self.request.user)

    @extend_schema(
        request=None,
        responses={
            200: RecommendationImportSerializer,
            202: RecommendationImportSerializer,
            400: RecommendationImportSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """Write a clean, previewed file: 200 once written, or 202 while a worker writes it
        (poll status_url: status, progress)."""
        job = services.recommendation_import_commit(job=self.get_object(), actor=request.user)
        return _import_response(job)


class EvidenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence files of recommendations the caller may see."""

    serializer_class = EvidenceSerializer
    filterset_class = None

    def get_queryset(self):
        return Evidence.objects.visible_to(self.request.user).select_related("uploaded_by")

    # The file's own type (PDF, image, Office document, text), as uploaded.
    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_name="download")
    def download(self, request, pk=None):
        return evidence_response(self.get_object())


class StatisticsView(generics.GenericAPIView):
    """Implementation statistics per body as Annex III of A/76/644 publishes them, computed
    from the recommendations the caller may see (see the README for definitions), with the
    number overdue in each row and, for the JIU, the acceptance windows with their dates.
    Filters narrow the recommendations counted: entity, report symbol, issue dates."""

    filterset_class = StatisticsFilter
    pagination_class = None
    serializer_class = BodyStatisticsSerializer

    def get_queryset(self):
        return Recommendation.objects.visible_to(self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("body", str, description="Body code, e.g. oios")],
        responses=BodyStatisticsSerializer(many=True),
    )
    def get(self, request):
        if not permissions.can_view_statistics(request.user):
            raise PermissionDenied
        recommendations = self.filter_queryset(self.get_queryset())
        bodies = OversightBody.objects.all()
        if request.query_params.get("body"):
            bodies = bodies.filter(code=request.query_params["body"])
        stats = selectors.statistics(bodies, recommendations)
        return Response(BodyStatisticsSerializer([s.as_dict() for s in stats], many=True).data)


class ResolutionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Governing-body resolutions whose implementation is tracked (Annex I)."""

    serializer_class = ResolutionSerializer
    filterset_class = ResolutionFilter
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return Resolution.objects.visible_to(self.request.user).select_related("governing_body")

    def perform_update(self, serializer):
        serializer.instance = services.resolution_update(
            resolution=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )


class ActionPlanItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Action-plan activities (Annex II) with their status and progress notes."""

    serializer_class = ActionPlanItemSerializer
    filterset_class = ActionPlanItemFilter
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return ActionPlanItem.objects.visible_to(self.request.user).select_related("plan")

    def perform_update(self, serializer):
        serializer.instance = services.action_plan_item_update(
            item=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )
