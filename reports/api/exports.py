"""Export jobs through the API: POST starts one (202 with its status URL), GET polls it, the
file action downloads it. The same services and visibility as the pages."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.excel import XLSX
from core.exports import kinds
from core.files import private_download_response

from .. import services_exports
from ..choices import ExportStatus
from ..models_exports import ExportRun


class ExportRunSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()
    filters = serializers.JSONField(source="params", read_only=True)
    list = serializers.CharField(source="kind", read_only=True)

    class Meta:
        model = ExportRun
        fields = [
            "id", "list", "filters", "language", "status", "progress", "total_rows",
            "written_rows", "error", "requested_by", "created_at", "started_at", "finished_at",
            "filename", "size", "status_url", "file_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        return reverse("api-export-detail", args=[obj.pk])

    def get_file_url(self, obj) -> str | None:
        if obj.status != ExportStatus.SUCCEEDED:
            return None
        return reverse("api-export-file", args=[obj.pk])


class ExportStartSerializer(serializers.Serializer):
    list = serializers.ChoiceField(
        choices=[],
        help_text="The list to export: recommendations, values, progress or review (the "
        "review page's list: the values the caller reviews, submitted unless a status is given).",
    )
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text='The list\'s filters, as its list endpoint takes them, e.g. {"body": "oios"}.',
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list"].choices = sorted(kinds())


class ExportRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Exports of lists written in the background: the caller's own, and finished ones of
    others that hold only rows the caller sees in the list."""

    serializer_class = ExportRunSerializer

    def get_queryset(self):
        return ExportRun.objects.visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=ExportStartSerializer, responses={202: ExportRunSerializer})
    def create(self, request, *args, **kwargs):
        """Start an export job of any size: 202 Accepted with the URL to poll for its status
        (progress in percent) and, once ready, its file."""
        params = ExportStartSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        run = services_exports.export_start(
            kind=params.validated_data["list"],
            params=params.validated_data["filters"],
            actor=request.user,
        )
        data = ExportRunSerializer(run).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )

    def perform_destroy(self, instance):
        services_exports.export_delete(run=instance, actor=self.request.user)

    @extend_schema(responses={(200, XLSX): OpenApiResponse(response=OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        """The finished export's workbook."""
        run = self.get_object()
        if run.status != ExportStatus.SUCCEEDED or not run.file:
            raise Http404
        return private_download_response(run.file.name, filename=run.filename, content_type=XLSX)
