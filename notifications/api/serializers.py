from rest_framework import serializers

from .. import texts
from ..choices import Kind
from ..models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "url", "created_at", "read_at"]
        read_only_fields = fields

    def get_subject(self, obj) -> str:
        return texts.subject(obj)

    def get_body(self, obj) -> str:
        return texts.detail(obj)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_empty=True
    )


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
