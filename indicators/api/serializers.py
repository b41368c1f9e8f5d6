from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import PRIVATE_FILE_FIELDS, PrivateFileSerializer

from ..choices import Rating
from ..fields import BILINGUAL_RENAMED, INDICATOR_FIELDS, TYPED_FIELDS
from ..formatting import display, plain
from ..models import (
    Baseline,
    Evidence,
    ImportJob,
    Indicator,
    Level,
    Node,
    Plan,
    ReportingPeriod,
    Target,
    Value,
)


class VisibleRelatedMixin:
    """Related objects a client names (indicator, period, plan, node) are looked up among
    those the caller may see, so an invisible one is answered exactly like one that does not
    exist: nothing about another entity's data can be probed."""

    visible_related = {
        "indicator": Indicator,
        "period": ReportingPeriod,
        "plan": Plan,
        "node": Node,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, model in self.visible_related.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only and hasattr(field, "queryset"):
                field.queryset = model.objects.visible_to(user)


class LevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Level
        fields = ["depth", "code", "name_en", "name_zh"]


class PlanSerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    levels = LevelSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "entity",
            "code",
            "kind",
            "title_en",
            "title_zh",
            "start_year",
            "end_year",
            "is_illustrative",
            "note_en",
            "note_zh",
            "levels",
        ]


class NodeSerializer(serializers.ModelSerializer):
    level = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Node
        fields = ["id", "plan", "parent", "level", "code", "title_en", "title_zh", "order"]


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = ["id", "plan", "label", "start_date", "end_date", "due_date", "is_closed"]


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string", "format": "decimal"}}
)
class PartsField(serializers.Field):
    """Values in parts as {"pooled": "59", "thematic": "27"}."""

    def to_representation(self, obj):
        return {p.code: plain(p.numeric_value) for p in obj.all()}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Give the parts as an object: {code: number}.")
        field = serializers.DecimalField(max_digits=24, decimal_places=6)
        return {str(k): Decimal(str(field.to_internal_value(v))) for k, v in data.items()}


class TypedValueSerializer(VisibleRelatedMixin, serializers.ModelSerializer):
    """The typed columns; the service checks them against the indicator's kind."""

    parts = PartsField(required=False)
    display = serializers.SerializerMethodField()

    typed_fields = ["kind", *TYPED_FIELDS, "parts", "display"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_display(self, obj):
        return display(obj.indicator, obj)

    def typed_data(self):
        data = dict(self.validated_data)
        for key in ("indicator", "period", "version", "year", "target_kind"):
            data.pop(key, None)
        return data


class BaselineSerializer(TypedValueSerializer):
    class Meta:
        model = Baseline
        fields = [
            "id",
            "indicator",
            *TypedValueSerializer.typed_fields,
            "period_start",
            "period_end",
        ]
        read_only_fields = ["kind"]


class TargetSerializer(TypedValueSerializer):
    class Meta:
        model = Target
        fields = ["id", "indicator", "year", "target_kind", *TypedValueSerializer.typed_fields]
        read_only_fields = ["kind"]


class IndicatorSerializer(VisibleRelatedMixin, serializers.ModelSerializer):
    # Nested serializers declared once per list, not built again for every row (building
    # a ModelSerializer's fields is most of the time of a list of 50 indicators).
    baseline = BaselineSerializer(read_only=True, allow_null=True)
    targets = TargetSerializer(many=True, read_only=True)
    responsible_entity = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Indicator
        fields = ["id", "plan", "code", *INDICATOR_FIELDS, "baseline", "targets"]
        # Uniqueness of (plan, code) is checked by the service and the database.
        validators = []


class RenamedFieldsMixin:
    """Refuses, with their new names, the fields that became English/Chinese pairs (listed in
    `renamed`): an old client's text is not silently dropped."""

    renamed = ()

    def to_internal_value(self, data):
        old = [f for f in self.renamed if hasattr(data, "keys") and f in data]
        if old:
            raise serializers.ValidationError(
                {
                    f: [
                        _("This field is now two fields: %(en)s and %(zh)s.")
                        % {"en": f"{f}_en", "zh": f"{f}_zh"}
                    ]
                    for f in old
                }
            )
        return super().to_internal_value(data)


class IndicatorWriteSerializer(RenamedFieldsMixin, IndicatorSerializer):
    renamed = BILINGUAL_RENAMED

    class Meta(IndicatorSerializer.Meta):
        fields = [f for f in IndicatorSerializer.Meta.fields if f not in ("baseline", "targets")]


class ValueSerializer(TypedValueSerializer):
    """A measured value. `version` must accompany every change; an older one is refused with
    HTTP 409 and the current value."""

    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    period_label = serializers.CharField(source="period.label", read_only=True)
    entered_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    submitted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    # Blank until a reviewer rates a qualitative value (declared here: DRF drops allow_blank
    # from read-only model fields, and the schema would then refuse "").
    rating = serializers.ChoiceField(choices=Rating.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Value
        fields = [
            "id",
            "indicator",
            "indicator_code",
            "period",
            "period_label",
            *TypedValueSerializer.typed_fields,
            "status",
            "rating",
            "return_reason",
            "version",
            "entered_by",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
        read_only_fields = [
            "kind",
            "status",
            "rating",
            "return_reason",
            "submitted_at",
            "reviewed_at",
            "updated_at",
        ]
        validators = []
        extra_kwargs = {"version": {"required": False}}


class ValueUpdateSerializer(ValueSerializer):
    class Meta(ValueSerializer.Meta):
        read_only_fields = [*ValueSerializer.Meta.read_only_fields, "indicator", "period"]
        extra_kwargs = {"version": {"required": True}}


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text="The version you saw.")


class ApproveSerializer(VersionSerializer):
    rating = serializers.CharField(required=False, allow_blank=True)


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(allow_blank=True)


class PeriodCloseSerializer(serializers.Serializer):
    reason = serializers.CharField()


class BulkItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(min_value=0)


class BulkActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["submit", "approve", "return"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    values = BulkItemSerializer(many=True, allow_empty=False)


class BulkResultItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    status = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    results = BulkResultItemSerializer(many=True)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = ValueSerializer()


class HistoryEntrySerializer(serializers.Serializer):
    """One change of a value (selectors.value_history): an audit event of its services, or its
    part of an import (action "imported", with the import's id and file)."""

    id = serializers.IntegerField(
        allow_null=True,
        help_text="The audit event: the value's own, or the import's import.committed event "
        "(null for an imported change whose import event is gone).",
    )
    time = serializers.DateTimeField()
    actor = serializers.CharField()
    action = serializers.CharField(
        help_text="saved, submitted, approved, returned, reopened, commented, "
        "evidence_attached, or imported (the value was written by the import import_id)."
    )
    status = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    old_data = serializers.JSONField(allow_null=True)
    new_data = serializers.JSONField(allow_null=True)
    reason = serializers.CharField()
    comment = serializers.CharField()
    file = serializers.CharField()
    import_id = serializers.IntegerField(
        allow_null=True, help_text="The import (imports/{id}/) that wrote this change, if any."
    )


class ImportChangeSerializer(serializers.Serializer):
    """One value an import would change (its preview): old and new in words."""

    row = serializers.IntegerField()
    code = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    note = serializers.CharField()


class ImportJobSerializer(VisibleRelatedMixin, serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    changes = ImportChangeSerializer(many=True, read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "period",
            "file",
            "original_name",
            "status",
            "total_rows",
            "processed_rows",
            "rows_to_write",
            "written_rows",
            "unchanged_rows",
            "progress",
            "progress_percent",
            "changes",
            "errors",
            "created_at",
        ]
        read_only_fields = [
            "original_name",
            "status",
            "total_rows",
            "processed_rows",
            "rows_to_write",
            "written_rows",
            "unchanged_rows",
            "progress",
            "changes",
            "errors",
            "created_at",
        ]


class ValueEvidenceSerializer(PrivateFileSerializer):
    """An evidence file of a value; its bytes come from `download_url`."""

    download_url_name = "evidence-download"

    class Meta:
        model = Evidence
        fields = [*PRIVATE_FILE_FIELDS[:1], "value", *PRIVATE_FILE_FIELDS[1:]]
        read_only_fields = fields


class ValueEvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PDF, PNG, JPEG, XLSX, DOCX, CSV or TXT; checked by extension and content."
    )
