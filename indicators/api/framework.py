"""Frameworks, their levels, results and reporting periods, created and changed through the API
with the services and permission checks the rest of the app uses: reviewers (and
administrators) of an entity maintain its frameworks; others get HTTP 403, and a framework
they may not see is answered like one that does not exist."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers

from core.filters import MAX_YEAR, MIN_YEAR
from entities.models import Entity

from .. import permissions, services
from ..fields import PLAN_BILINGUAL_RENAMED
from ..models import Level, Node, Plan, ReportingPeriod
from . import views
from .serializers import (
    LevelSerializer,
    NodeSerializer,
    PeriodSerializer,
    PlanSerializer,
    RenamedFieldsMixin,
    VisibleRelatedMixin,
)

PLAN_FIELDS = ("kind", "title_en", "title_zh", "start_year", "end_year", "is_illustrative")
PLAN_FIELDS += ("note_en", "note_zh")
NODE_FIELDS = ("parent", "level", "title_en", "title_zh", "order")
PERIOD_FIELDS = ("start_date", "end_date", "due_date")


class PlanWriteSerializer(RenamedFieldsMixin, PlanSerializer):
    """A framework; `levels` adds the levels of its tree (an existing depth is kept)."""

    renamed = PLAN_BILINGUAL_RENAMED

    entity = serializers.SlugRelatedField(slug_field="code", queryset=Entity.objects.none())
    levels = LevelSerializer(many=True, required=False)

    class Meta(PlanSerializer.Meta):
        extra_kwargs = {
            "start_year": {"min_value": MIN_YEAR, "max_value": MAX_YEAR},
            "end_year": {"min_value": MIN_YEAR, "max_value": MAX_YEAR},
        }
        # (entity, code) is checked by the service and reported as a field error below.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["entity"].queryset = Entity.objects.visible_to(getattr(request, "user", None))
        if self.instance is not None:
            # The code names the framework in URLs of the pages and in workbooks: it stays.
            self.fields["entity"].read_only = True
            self.fields["code"].read_only = True

    def validate_levels(self, levels):
        depths = [level["depth"] for level in levels]
        codes = [level["code"] for level in levels]
        if len(set(depths)) != len(depths) or len(set(codes)) != len(codes):
            raise serializers.ValidationError(_("Each level needs its own depth and code."))
        return levels


class NodeWriteSerializer(VisibleRelatedMixin, NodeSerializer):
    """A result: `level` is the code of one of the framework's levels."""

    level = serializers.CharField(max_length=40)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Node.objects.none(), allow_null=True, required=False
    )

    class Meta(NodeSerializer.Meta):
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["parent"].queryset = Node.objects.visible_to(getattr(request, "user", None))
        if self.instance is not None:
            self.fields["plan"].read_only = True
            self.fields["code"].read_only = True
            self.fields["level"].required = False

    def to_representation(self, instance):
        return NodeSerializer(instance, context=self.context).data

    def validate(self, attrs):
        plan = attrs.get("plan") or self.instance.plan
        if "level" in attrs:
            level = Level.objects.filter(plan=plan, code=attrs["level"]).first()
            if level is None:
                raise serializers.ValidationError(
                    {"level": [_("The framework has no level with this code.")]}
                )
            attrs["level"] = level
        return attrs


class PeriodWriteSerializer(VisibleRelatedMixin, PeriodSerializer):
    class Meta(PeriodSerializer.Meta):
        read_only_fields = ["is_closed"]
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["plan"].read_only = True
            self.fields["label"].read_only = True


def _require_maintainer(user, plan):
    """Refused before anything about the input is said (the services check again)."""
    if not permissions.can_maintain(user, plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))


def _refuse_existing(queryset, field, message):
    if queryset.exists():
        raise ValidationError({field: [message]})


class PlanViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, views.PlanViewSet):
    """Results frameworks the caller may see, with their level names. Reviewers of an entity
    create its frameworks (POST, with their levels) and change them (PATCH; entity and code
    stay)."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return PlanWriteSerializer
        return PlanSerializer

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        entity, code, levels = data.pop("entity"), data.pop("code"), data.pop("levels", [])
        _require_maintainer(self.request.user, Plan(entity=entity))
        _refuse_existing(
            Plan.objects.filter(entity=entity, code=code),
            "code",
            _("The entity already has a framework with this code."),
        )
        plan = services.plan_upsert(entity=entity, code=code, actor=self.request.user, **data)
        self._levels(plan, levels)
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    @transaction.atomic
    def perform_update(self, serializer):
        plan = serializer.instance
        data = {k: v for k, v in serializer.validated_data.items() if k in PLAN_FIELDS}
        services.plan_upsert(entity=plan.entity, code=plan.code, actor=self.request.user, **data)
        self._levels(plan, serializer.validated_data.get("levels", []))
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    def _levels(self, plan, levels):
        for level in levels:
            level = dict(level)
            services.level_upsert(
                plan=plan,
                depth=level.pop("depth"),
                code=level.pop("code"),
                actor=self.request.user,
                **level,
            )


class NodeViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, views.NodeViewSet):
    """Results (nodes of a framework's tree). Reviewers of the entity add them (POST: plan,
    level code, code, titles, parent) and change them (PATCH; plan and code stay)."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return NodeWriteSerializer
        return NodeSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan, code = data.pop("plan"), data.pop("code")
        _require_maintainer(self.request.user, plan)
        _refuse_existing(
            Node.objects.filter(plan=plan, code=code),
            "code",
            _("The framework already has a result with this code."),
        )
        node = services.node_upsert(plan=plan, code=code, actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=node.pk)

    def perform_update(self, serializer):
        node = serializer.instance
        data = {k: v for k, v in serializer.validated_data.items() if k in NODE_FIELDS}
        services.node_upsert(plan=node.plan, code=node.code, actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=node.pk)


class PeriodViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, views.PeriodViewSet):
    """Reporting periods; the Excel template of one period at .../template/. Reviewers of the
    entity add them (POST: plan, label, dates, due date) and change their dates (PATCH); closing and
    opening are the .../close/ and .../open/ actions."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return PeriodWriteSerializer
        return PeriodSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan, label = data.pop("plan"), data.pop("label")
        _require_maintainer(self.request.user, plan)
        _refuse_existing(
            ReportingPeriod.objects.filter(plan=plan, label=label),
            "label",
            _("The framework already has a period with this label."),
        )
        serializer.instance = services.period_upsert(
            plan=plan, label=label, actor=self.request.user, **data
        )

    def perform_update(self, serializer):
        period = serializer.instance
        data = {k: v for k, v in serializer.validated_data.items() if k in PERIOD_FIELDS}
        serializer.instance = services.period_upsert(
            plan=period.plan, label=period.label, actor=self.request.user, **data
        )
