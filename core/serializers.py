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


def private_files_action(*, serializer, upload_serializer, owner, who):
    """The `.../{id}/<files>/` action of a viewset: GET lists the object's files, POST
    (multipart) uploads one. Declares the route and its OpenAPI description; the view body
    reads and writes through the app's own selector and service."""
    from drf_spectacular.utils import extend_schema
    from rest_framework.decorators import action
    from rest_framework.parsers import FormParser, MultiPartParser

    def decorate(view):
        view = action(
            detail=True,
            methods=["get", "post"],
            parser_classes=[MultiPartParser, FormParser],
            filterset_class=None,
            pagination_class=None,
        )(view)
        view = extend_schema(
            methods=["POST"],
            request={"multipart/form-data": upload_serializer},
            responses={201: serializer},
            description=(
                f"Attach a file to the {owner} ({who}). A file whose type, content or size is "
                "refused answers 400 and nothing is stored."
            ),
        )(view)
        return extend_schema(
            methods=["GET"],
            request=None,
            responses={200: serializer(many=True)},
            description=f"The {owner}'s files.",
        )(view)

    return decorate
