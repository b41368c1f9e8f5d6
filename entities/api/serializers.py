from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import ApiToken, Entity, GoverningBody, Membership, OrgUnit


class GoverningBodySerializer(serializers.ModelSerializer):
    class Meta:
        model = GoverningBody
        fields = ["code", "name_en", "name_zh", "kind"]


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name_en", "name_zh", "parent"]


class EntitySerializer(serializers.ModelSerializer):
    governing_body = GoverningBodySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Entity
        fields = [
            "id",
            "code",
            "name_en",
            "name_zh",
            "short_name_zh",
            "entity_type",
            "governing_body",
            "is_active",
        ]
        read_only_fields = ["id", "code", "governing_body"]


class EntityDetailSerializer(EntitySerializer):
    org_units = OrgUnitSerializer(many=True, read_only=True)

    class Meta(EntitySerializer.Meta):
        fields = [*EntitySerializer.Meta.fields, "org_units"]


class MembershipSerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    org_unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["entity", "role", "org_unit"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    entities = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_superuser",
            "roles",
            "entities",
            "memberships",
        ]

    def get_roles(self, user) -> list[str]:
        from ..permissions import all_roles

        return sorted(all_roles(user))

    def get_entities(self, user) -> list[str]:
        """Codes of the entities the user may see."""
        return list(Entity.objects.visible_to(user).values_list("code", flat=True))

    def get_memberships(self, user) -> list[dict]:
        from ..permissions import memberships

        return MembershipSerializer(memberships(user), many=True).data


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="token_key", read_only=True)
    user = serializers.CharField(source="user.username", read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "user", "created", "expiry", "current"]

    def get_current(self, token) -> bool:
        """True for the token that authenticated this request."""
        request = self.context.get("request")
        return bool(request) and getattr(request.auth, "digest", None) == token.digest
