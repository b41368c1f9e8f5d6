"""Oversight reference data in the admin, written through oversight/services.py
(core.admin_mixins): bodies and their auditors by system administrators, tracked resolutions
by those permissions.can_edit_resolution allows — each change checked and audited as on the
pages and the API. Reports, recommendations, statistics periods and action plans change
through the pages, the API and the imports; the admin shows them read-only."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from core.admin_mixins import ReadOnly, ReadOnlyAdmin, ServiceAdmin

from . import services
from .models import (
    ActionPlan,
    ActionPlanItem,
    OversightBody,
    OversightBodyMember,
    OversightReport,
    Recommendation,
    RecommendationImport,
    Resolution,
    StatisticsPeriod,
)


class _AuditorFormSet(BaseInlineFormSet):
    @classmethod
    def get_default_prefix(cls):
        # The membership's foreign key has no reverse name ("+"), so Django's default prefix
        # would be empty.
        return "auditors"


class BodyMemberInline(admin.TabularInline):
    """A body's auditors: added and removed through body_auditor_add/_remove (save_formset)."""

    model = OversightBodyMember
    formset = _AuditorFormSet
    extra = 1
    autocomplete_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        # An auditor is added or removed, never swapped for another user in place; the
        # inline's empty row still adds one.
        return False


class PeriodInline(ReadOnly, admin.TabularInline):
    model = StatisticsPeriod
    extra = 0


@admin.register(OversightBody)
class OversightBodyAdmin(ServiceAdmin):
    list_display = ["code", "name_en", "name_zh", "kind", "tracks_acceptance"]
    inlines = [BodyMemberInline, PeriodInline]
    key_fields = ("code",)

    def save_through_service(self, request, obj, form, change):
        return services.body_upsert(code=obj.code, actor=request.user, **self.form_fields(form))

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # nothing written: the services below write
        if formset.model is not OversightBodyMember:
            return  # statistics periods are read-only here
        for member in formset.deleted_objects:
            services.body_auditor_remove(member=member, actor=request.user)
        for member in formset.new_objects:
            services.body_auditor_add(body=form.instance, user=member.user, actor=request.user)


@admin.register(OversightReport)
class OversightReportAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "body", "issued_on", "volume", "entity", "is_illustrative"]
    list_filter = ["body", "volume", "is_illustrative"]
    search_fields = ["symbol", "title_en", "title_zh"]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "body", "entity", "status", "review_state", "issued_on"]
    list_filter = ["body", "status", "review_state", "is_critical"]
    search_fields = ["reference"]
    list_select_related = ["body", "entity"]


@admin.register(Resolution)
class ResolutionAdmin(ServiceAdmin):
    list_display = ["row", "number", "agenda_item_number", "status", "action_kind"]
    list_filter = ["status", "action_kind"]
    key_fields = ("governing_body", "session", "row")

    def get_readonly_fields(self, request, obj=None):
        # Once tracked, only what the Secretariat did about it changes (the service's fields).
        if obj is None:
            return ()
        editable = set(services.RESOLUTION_EDITABLE_FIELDS)
        return [f.name for f in Resolution._meta.concrete_fields if f.name not in editable]

    def save_through_service(self, request, obj, form, change):
        if change:
            return services.resolution_update(
                resolution=obj,
                actor=request.user,
                data={name: form.cleaned_data[name] for name in form.changed_data},
            )
        return services.resolution_upsert(
            governing_body=obj.governing_body,
            session=obj.session,
            row=obj.row,
            actor=request.user,
            **self.form_fields(form),
        )


class ActionPlanItemInline(ReadOnly, admin.TabularInline):
    model = ActionPlanItem
    extra = 0
    fields = ["number", "status", "implementation_date_en"]


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnlyAdmin):
    list_display = ["code", "title_en"]
    inlines = [ActionPlanItemInline]


@admin.register(RecommendationImport)
class RecommendationImportAdmin(ReadOnlyAdmin):
    """Uploads, for operators: read-only (imports run through the services)."""

    list_display = ["original_name", "status", "total_rows", "written_rows", "created_by"]
    list_filter = ["status"]
    exclude = ["file"]  # a private file has no URL to link to
