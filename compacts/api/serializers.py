from rest_framework import serializers

from ..models import Commitment, CommitmentGroup, Compact, SystemValue


class CommitmentSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)

    class Meta:
        model = Commitment
        fields = ["id", "number", "label_zh", "title", "title_en", "title_zh", "table_label_en"]


class GroupSerializer(serializers.ModelSerializer):
    commitments = CommitmentSerializer(many=True, read_only=True)

    class Meta:
        model = CommitmentGroup
        fields = ["id", "kind", "published_share_progress", "commitments"]


class CompactSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    groups = GroupSerializer(many=True, read_only=True)

    class Meta:
        model = Compact
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "name_zh",
            "start_year",
            "end_year",
            "resolution",
            "source_documents",
            "groups",
        ]


class FigureSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="In the UN's editorial style, active language.")
    number = serializers.FloatField(allow_null=True)
    parts = serializers.DictField(child=serializers.CharField(allow_null=True))
    year = serializers.IntegerField(allow_null=True)
    is_missing = serializers.BooleanField()
    raw = serializers.CharField(help_text="As printed.")
    markers = serializers.ListField(child=serializers.CharField())
    computed = serializers.BooleanField(help_text="Derived from entity reports.")

    def to_representation(self, cell):
        data = super().to_representation(cell)
        data["parts"] = {
            k: (None if v is None else format(v.normalize(), "f")) for k, v in cell.parts.items()
        }
        return data


class IndicatorRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="ci.pk")
    indicator_id = serializers.IntegerField(source="indicator.pk")
    code = serializers.CharField(source="indicator.code")
    code_raw = serializers.CharField(source="ci.code_raw")
    name = serializers.CharField(source="indicator.name")
    commitment = serializers.IntegerField(source="ci.commitment_id")
    derivation = serializers.CharField(source="ci.derivation")
    is_illustrative = serializers.BooleanField(source="ci.is_illustrative")
    baseline = FigureSerializer()
    target = FigureSerializer()
    latest = FigureSerializer()
    compact_class = serializers.CharField()
    class_label = serializers.CharField()
    trend = serializers.CharField(allow_null=True)
    published_latest = serializers.CharField()
    differs_from_published = serializers.BooleanField(source="differs")
    footnotes = serializers.ListField(child=serializers.DictField())


class GroupClassesSerializer(serializers.Serializer):
    kind = serializers.CharField(source="group.kind")
    counts = serializers.DictField(child=serializers.IntegerField())
    share_progress = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    published_share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    differs_from_published = serializers.BooleanField(source="differs")
    indicators = serializers.SerializerMethodField()

    def get_indicators(self, table) -> list[dict]:
        rows = [row for _c, rows in table.commitments for row in rows]
        return IndicatorRowSerializer(rows, many=True).data


class BreakdownRowSerializer(serializers.Serializer):
    entity_id = serializers.IntegerField()
    entity_code = serializers.CharField()
    value = serializers.JSONField(allow_null=True, help_text="Hidden (null) unless visible.")
    previous = serializers.CharField(required=False, allow_null=True)
    denominator = serializers.CharField(required=False, allow_null=True)
    increase = serializers.BooleanField(required=False)
    visible = serializers.BooleanField()


class SystemValueSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="compact_indicator.indicator.code")
    breakdown = serializers.SerializerMethodField()

    class Meta:
        model = SystemValue
        fields = [
            "id",
            "compact_indicator",
            "indicator_code",
            "year",
            "numeric_value",
            "numerator",
            "denominator",
            "breakdown",
            "not_reported",
            "computed_at",
        ]

    def get_breakdown(self, sv) -> list[dict]:
        visible = self.context.get("visible_value_ids", set())
        rows = []
        for r in sv.breakdown:
            shown = r["value_id"] in visible
            row = {k: v for k, v in r.items() if k != "value_id"}
            row["visible"] = shown
            if not shown:
                for key in ("value", "previous", "denominator", "increase"):
                    row.pop(key, None)
                row["value"] = None
            rows.append(row)
        return BreakdownRowSerializer(rows, many=True).data
