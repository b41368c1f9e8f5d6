from django.urls import reverse
from rest_framework import serializers

from ..choices import Format, Language
from ..models import Report, ReportFile, ReportRun


class BoardReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = [
            "id", "entity", "plan", "definition", "year", "symbol", "distribution",
            "document_date", "session", "agenda_item", "title_en", "title_zh",
        ]  # fmt: skip


class ReportFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = ["id", "format", "variant", "size", "sha256", "url"]

    def get_url(self, obj) -> str:
        return reverse("reports:file", args=[obj.run_id, obj.pk])


class ReportRunSerializer(serializers.ModelSerializer):
    files = ReportFileSerializer(many=True, read_only=True)
    status_url = serializers.SerializerMethodField()
    symbol = serializers.CharField(source="report.symbol", read_only=True)

    class Meta:
        model = ReportRun
        fields = [
            "id", "report", "symbol", "language", "formats", "status", "progress", "error",
            "attempts", "snapshot", "digest", "requested_by", "created_at", "started_at",
            "finished_at", "issued_at", "issued_by", "files", "status_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        return reverse("api-report-run-detail", args=[obj.pk])


class RunStartSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices)
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=Format.choices), allow_empty=False
    )
