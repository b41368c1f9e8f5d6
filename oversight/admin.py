"""Reference data in the admin. Recommendations themselves change through the pages, the API
and the import (which call the services); the admin shows them read-only."""

from django.contrib import admin

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


class BodyMemberInline(admin.TabularInline):
    model = OversightBodyMember
    extra = 1
    autocomplete_fields = ["user"]


class PeriodInline(admin.TabularInline):
    model = StatisticsPeriod
    extra = 0


@admin.register(OversightBody)
class OversightBodyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "kind", "tracks_acceptance"]
    inlines = [BodyMemberInline, PeriodInline]


@admin.register(OversightReport)
class OversightReportAdmin(admin.ModelAdmin):
    list_display = ["symbol", "body", "issued_on", "volume", "entity", "is_illustrative"]
    list_filter = ["body", "volume", "is_illustrative"]
    search_fields = ["symbol", "title_en", "title_zh"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["reference", "body", "entity", "status", "review_state", "issued_on"]
    list_filter = ["body", "status", "review_state", "is_critical"]
    search_fields = ["reference"]
    list_select_related = ["body", "entity"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = ["row", "number", "agenda_item_number", "status", "action_kind"]
    list_filter = ["status", "action_kind"]


class ActionPlanItemInline(admin.TabularInline):
    model = ActionPlanItem
    extra = 0
    fields = ["number", "status", "implementation_date_en"]


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en"]
    inlines = [ActionPlanItemInline]


@admin.register(RecommendationImport)
class RecommendationImportAdmin(admin.ModelAdmin):
    """Uploads, for operators: read-only (imports run through the services)."""

    list_display = ["original_name", "status", "total_rows", "written_rows", "created_by"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
