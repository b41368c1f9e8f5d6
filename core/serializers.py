"""API pieces shared by apps."""

from django.urls import reverse
from rest_framework import serializers

PRIVATE_FILE_FIELDS = [
    "id",
    "original_name",
    "content_type",
    "size",
    "uploaded_by",
    "uploaded_at",
    "download_url",
]


class PrivateFileSerializer(serializers.ModelSerializer):
    """A row that describes a private file (core.files): its name, type, size, who uploaded it,
    and where to download it. Subclasses name the model, the fields (PRIVATE_FILE_FIELDS plus
    their own) and the URL name of the download."""

    download_url_name = ""

    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, obj) -> str:
        return reverse(self.download_url_name, args=[obj.pk])
