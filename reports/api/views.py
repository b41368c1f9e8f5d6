"""The reports API: as thin as the pages, the same services and visibility."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..models import Report, ReportRun
from .serializers import BoardReportSerializer, ReportRunSerializer, RunStartSerializer


class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Draft reports (secretariat, reviewers and administrators of the entity)."""

    serializer_class = BoardReportSerializer

    def get_queryset(self):
        return Report.objects.visible_to(self.request.user).order_by("-year", "symbol")

    @extend_schema(request=RunStartSerializer, responses={202: ReportRunSerializer})
    @action(detail=True, methods=["post"])
    def runs(self, request, pk=None):
        """Start a run: 202 Accepted with the run and the URL to poll for its status."""
        report = self.get_object()
        params = RunStartSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        run = services.report_run_start(actor=request.user, report=report, **params.validated_data)
        data = ReportRunSerializer(run).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )


class ReportRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Runs the user may see: drafts for the secretariat and reviewers, issued runs for every
    role of the entity. DELETE removes a run that is neither issued nor being worked on (board
    secretariat and administrators of the entity: 403 for others, 400 with the reason for an
    issued or working run)."""

    serializer_class = ReportRunSerializer

    def get_queryset(self):
        return (
            ReportRun.objects.visible_to(self.request.user)
            .select_related("report")
            .prefetch_related("files")
            .defer("dataset")
            .order_by("-created_at", "-id")
        )

    def perform_destroy(self, instance):
        services.report_run_delete(actor=self.request.user, run=instance)

    @extend_schema(request=None, responses={202: ReportRunSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue a succeeded run: 202 Accepted with the run ("issuing") and the URL to poll;
        a worker makes its archival PDF/A copy and issues it (status "succeeded" with
        `issued_at`), or shows why it could not (`error`, not issued)."""
        run = get_object_or_404(self.get_queryset(), pk=pk)
        run = services.report_run_issue(actor=request.user, run=run)
        data = ReportRunSerializer(run).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )
