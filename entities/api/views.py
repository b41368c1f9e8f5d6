from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.client_ip import client_ip

from .. import services
from ..filters import EntityFilter
from ..models import ApiToken, Entity
from .serializers import (
    ApiTokenSerializer,
    EntityDetailSerializer,
    EntitySerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)


class TokenThrottle(AnonRateThrottle):
    """20 requests a minute per client address. DRF's own `get_ident` believes any
    X-Forwarded-For (rotating it would lift the limit); ours believes only TRUSTED_PROXIES."""

    rate = "20/min"

    def get_ident(self, request):
        return client_ip(request)


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token, valid for API_TOKEN_LIFETIME_DAYS.

    The token is shown once (only its hash is stored); it is revoked when the password changes
    or the account is deactivated."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # authenticate() runs django-axes, so the API is throttled like the sign-in page.
        user = authenticate(
            request=request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise ValidationError(
                {"detail": [_("Unable to sign in with the given username and password.")]}
            )
        row, key = services.api_token_create(user=user, actor=user)
        return Response({"token": key, "expiry": row.expiry}, status=status.HTTP_200_OK)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """API tokens: your own, or everyone's if you may manage tokens (superusers, and staff with
    the "delete API token" permission). DELETE revokes a token at once. Tokens are named by
    their first characters (`id`); the token itself is never shown again."""

    serializer_class = ApiTokenSerializer
    lookup_field = "token_key"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return ApiToken.objects.visible_to(self.request.user).select_related("user")

    def perform_destroy(self, instance):
        services.api_token_revoke(token=instance, actor=self.request.user)


class MeView(APIView):
    """The signed-in user, their roles and the entities they may see."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class EntityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """UN entities visible to the caller. Administrators of an entity may change its names,
    type and active flag (PATCH); nobody creates or deletes entities through the API."""

    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    filterset_class = EntityFilter
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        qs = Entity.objects.visible_to(self.request.user).select_related("governing_body")
        if self.action == "retrieve":
            qs = qs.prefetch_related("org_units")
        return qs

    def get_serializer_class(self):
        return EntityDetailSerializer if self.action == "retrieve" else EntitySerializer

    def perform_update(self, serializer):
        serializer.instance = services.entity_update(
            entity=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )
