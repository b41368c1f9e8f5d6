from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import Notification
from .serializers import MarkReadSerializer, NotificationSerializer, PreferenceSerializer


class NotificationList(generics.ListAPIView):
    """The signed-in user's own notifications, newest first; `?unread=true` for unread only."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        qs = Notification.objects.visible_to(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.unread()
        return qs


class MarkRead(APIView):
    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
    )
    def post(self, request):
        """Mark the listed notifications (or, without `ids`, all) read."""
        ser = MarkReadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            actor=request.user, ids=ser.validated_data.get("ids")
        )
        return Response({"marked": marked})


class Preferences(APIView):
    @extend_schema(responses=PreferenceSerializer(many=True))
    def get(self, request):
        """Which kinds the user receives, in the application and by e-mail."""
        return Response(_as_rows(services.preferences_for(request.user)))

    @extend_schema(
        request=PreferenceSerializer(many=True), responses=PreferenceSerializer(many=True)
    )
    def put(self, request):
        """Change some or all kinds; a bad row refuses the whole request."""
        ser = PreferenceSerializer(data=request.data, many=True)
        ser.is_valid(raise_exception=True)
        choices = {
            row["kind"]: {"in_app": row["in_app"], "email": row["email"]}
            for row in ser.validated_data
        }
        try:
            prefs = services.preferences_save(
                user=request.user, choices=choices, actor=request.user
            )
        except DjangoValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(_as_rows(prefs))


def _as_rows(prefs):
    return [{"kind": kind, **choice} for kind, choice in prefs.items()]
