from django.urls import reverse
from rest_framework import serializers

from core.serializers import PRIVATE_FILE_FIELDS, PrivateFileSerializer
from entities.models import Entity, OrgUnit

from .. import permissions as perms
from ..choices import CLOSED_STATUSES, Status
from ..columns import RECORD_FIELDS
from ..models import (
    ActionPlanItem,
    Comment,
    Evidence,
    OversightBody,
    OversightReport,
    Recommendation,
    RecommendationImport,
    Resolution,
)
from ..services import ACTION_ITEM_EDITABLE_FIELDS, RESOLUTION_EDITABLE_FIELDS


class OversightBodySerializer(serializers.ModelSerializer):
    class Meta:
        model = OversightBody
        fields = ["code", "name_en", "name_zh", "kind", "priority_scale", "tracks_acceptance"]


class ReportSerializer(serializers.ModelSerializer):
    body = serializers.SlugRelatedField(slug_field="code", queryset=OversightBody.objects.all())
    entity = serializers.SlugRelatedField(
        slug_field="code", queryset=Entity.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = OversightReport
        fields = [
            "id",
            "body",
            "symbol",
            "title_en",
            "title_zh",
            "issued_on",
            "volume",
            "entity",
            "is_illustrative",
        ]
        read_only_fields = ["id", "is_illustrative"]
        # Uniqueness of (body, symbol) is checked by the service's full_clean.
        validators = []


class RecommendationSerializer(serializers.ModelSerializer):
    body = serializers.SlugRelatedField(slug_field="code", queryset=OversightBody.objects.all())
    report = serializers.PrimaryKeyRelatedField(queryset=OversightReport.objects.all())
    report_symbol = serializers.CharField(source="report.symbol", read_only=True)
    entity = serializers.SlugRelatedField(slug_field="code", queryset=Entity.objects.all())
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), allow_null=True, required=False
    )
    is_illustrative = serializers.BooleanField(source="report.is_illustrative", read_only=True)
    days_open = serializers.IntegerField(read_only=True, allow_null=True)
    days_overdue = serializers.IntegerField(read_only=True, allow_null=True)
    # Blank unless a closure is proposed (declared: DRF drops allow_blank from read-only fields).
    proposed_status = serializers.ChoiceField(
        choices=Status.choices, read_only=True, allow_blank=True
    )

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "body",
            "report",
            "report_symbol",
            "reference",
            *RECORD_FIELDS,  # the fields an import row sets (oversight/columns.py)
            "review_state",
            "proposed_status",
            "proposed_implementation_date",
            "is_illustrative",
            "days_open",
            "days_overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "implementation_date",
            "review_state",
            "proposed_status",
            "proposed_implementation_date",
            "created_at",
            "updated_at",
        ]
        # Uniqueness of (body, reference) is checked by the service's full_clean.
        validators = []


class RecommendationUpdateSerializer(RecommendationSerializer):
    class Meta(RecommendationSerializer.Meta):
        read_only_fields = [
            *RecommendationSerializer.Meta.read_only_fields,
            "body",
            "report",
            "entity",
            "reference",
        ]


class EvidenceSerializer(PrivateFileSerializer):
    download_url_name = "oversight-evidence-download"

    class Meta:
        model = Evidence
        fields = [*PRIVATE_FILE_FIELDS[:-1], "description", PRIVATE_FILE_FIELDS[-1]]


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "kind", "body", "author", "created_at"]


class ActionAvailabilitySerializer(serializers.Serializer):
    action = serializers.CharField()
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)


class RecommendationDetailSerializer(RecommendationSerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)
    comments = CommentSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(RecommendationSerializer.Meta):
        fields = [*RecommendationSerializer.Meta.fields, "evidence", "comments", "actions"]

    def get_actions(self, obj) -> ActionAvailabilitySerializer(many=True):
        user = self.context["request"].user
        return [
            {"action": a, "allowed": why is None, "reason": None if why is None else str(why)}
            for a, why in perms.available_actions(user, obj).items()
        ]


class ProgressSerializer(serializers.Serializer):
    note = serializers.CharField()
    management_response = serializers.CharField(required=False, allow_blank=True)


class CommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField()


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ProposeClosureSerializer(serializers.Serializer):
    proposed_status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in Status if s in CLOSED_STATUSES]
    )
    implementation_date = serializers.DateField()
    note = serializers.CharField()


class AcceptClosureSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class ReturnClosureSerializer(serializers.Serializer):
    # Blank is let through to the service, which refuses it with the same message as the page.
    reason = serializers.CharField(allow_blank=True)


class RecommendationHistoryEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    event = serializers.CharField(help_text="insert, update or delete")
    what = serializers.CharField(help_text="the event in the reader's language")
    object = serializers.CharField()
    user = serializers.CharField(allow_null=True)
    changes = serializers.DictField(child=serializers.ListField())


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An .xlsx or .csv file with the documented columns.")
    commit = serializers.BooleanField(
        default=False, help_text="False (default): check only. True: write if clean."
    )


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row of the file (1: the header); 0: the request.")
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class RecommendationImportSerializer(serializers.ModelSerializer):
    """An upload: a preview writes nothing (written_rows 0) and says how many rows an import
    would write (rows_to_write); created/updated are null until it is imported."""

    rows = serializers.IntegerField(source="total_rows", read_only=True)
    created = serializers.IntegerField(source="created_count", read_only=True, allow_null=True)
    updated = serializers.IntegerField(source="updated_count", read_only=True, allow_null=True)
    unchanged = serializers.IntegerField(source="unchanged_count", read_only=True, allow_null=True)
    errors = ImportErrorSerializer(many=True, read_only=True)
    preview = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="Rows with a change or a problem (the first 1,000): row, reference, body, "
        "entity, status, action, errors {column: message}, changes {field: [old, new]}.",
    )
    summary = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="What the preview found: rows to create, to update, and unchanged.",
    )
    progress = serializers.IntegerField(
        read_only=True, help_text="Per cent of the current step (reading, or writing)."
    )
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationImport
        fields = [
            "id",
            "status",
            "progress",
            "status_url",
            "original_name",
            "rows",
            "rows_to_write",
            "written_rows",
            "created",
            "updated",
            "unchanged",
            "summary",
            "errors",
            "preview",
            "created_at",
        ]
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        """Where to poll the job (GET) while it runs."""
        return reverse("oversight-import-detail", args=[obj.pk])


class PeriodColumnSerializer(serializers.Serializer):
    label = serializers.CharField()
    implemented = serializers.IntegerField()
    issued_to_date = serializers.IntegerField()
    closed_to_date = serializers.IntegerField()
    implementation_rate = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, coerce_to_string=False
    )


class StatisticsRowSerializer(serializers.Serializer):
    body = serializers.CharField()
    volume = serializers.CharField(allow_blank=True)
    segment = serializers.CharField()
    issued = serializers.IntegerField()
    implemented = serializers.IntegerField()
    no_longer_applicable = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    not_implemented = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Open, with a target date in the past.")
    implementation_rate = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    periods = PeriodColumnSerializer(many=True)


class AcceptanceWindowSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateField(help_text="First issue date of the window.")
    end = serializers.DateField(help_text="Last issue date of the window.")
    issued = serializers.IntegerField()
    accepted = serializers.IntegerField()
    accepted_implemented = serializers.IntegerField()
    acceptance_rate = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    implementation_rate_of_accepted = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, coerce_to_string=False
    )


class BodyStatisticsSerializer(serializers.Serializer):
    body = serializers.CharField()
    name = serializers.CharField()
    period_labels = serializers.ListField(child=serializers.CharField())
    rows = StatisticsRowSerializer(many=True)
    acceptance = AcceptanceWindowSerializer(many=True)


def symbol_list(help_text):
    """A list of document symbols: never null (the column is NOT NULL), no blank entries."""
    return serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        allow_empty=True,
        allow_null=False,
        help_text=help_text,
    )


class ResolutionSerializer(serializers.ModelSerializer):
    governing_body = serializers.SlugRelatedField(slug_field="code", read_only=True)
    report_symbols = symbol_list('Document symbols of the reports, e.g. ["A/76/5"].')

    class Meta:
        model = Resolution
        # What identifies a resolution is read-only; what may change is the services' list.
        read_only_fields = [
            "id",
            "governing_body",
            "session",
            "row",
            "agenda_item_number",
            "agenda_item_en",
            "agenda_item_zh",
            "kind",
            "number",
            "title_en",
            "title_zh",
        ]
        fields = [*read_only_fields, *RESOLUTION_EDITABLE_FIELDS]


class ActionPlanItemSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    document_refs = symbol_list('Document symbols of the status, e.g. ["A/73/688"].')

    class Meta:
        model = ActionPlanItem
        read_only_fields = ["id", "plan", "number"]
        fields = [*read_only_fields, *ACTION_ITEM_EDITABLE_FIELDS]
