from django.contrib import admin
from knox.models import AuthToken

from . import services
from .models import ApiToken, BoardSession, Entity, GoverningBody, Membership, OrgUnit

# knox's own admin lists tokens by their hash and deletes them unaudited; ours lists them by
# their first characters and revokes them through the service.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["token_key", "user", "created", "expiry"]
    search_fields = ["token_key", "user__username"]
    list_select_related = ["user"]
    fields = ["token_key", "user", "created", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # tokens are made by POST /api/v1/auth/token/ and shown once

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.api_token_revoke(token=obj, actor=request.user, reason="administration site")

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            self.delete_model(request, token)


@admin.register(GoverningBody)
class GoverningBodyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "kind"]


@admin.register(BoardSession)
class BoardSessionAdmin(admin.ModelAdmin):
    list_display = ["body", "kind", "year", "start_date", "end_date"]
    list_filter = ["body", "kind"]


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "entity_type", "governing_body", "is_active"]
    list_filter = ["entity_type", "governing_body", "is_active"]
    search_fields = ["code", "name_en", "name_zh", "short_name_zh"]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["entity", "code", "name_en", "parent"]
    list_filter = ["entity"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "entity", "role", "org_unit", "created_at"]
    list_filter = ["role", "entity"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
