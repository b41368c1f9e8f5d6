"""Reference data in the admin, written through entities/services.py (core.admin_mixins):
each change is checked, validated and audited as on the pages. Memberships are granted and
revoked through their services; a role is changed by revoking it and granting another."""

from django.contrib import admin
from knox.models import AuthToken

from audit.choices import SystemReason
from core.admin_mixins import ReadOnlyAdmin, ServiceAdmin

from . import services
from .models import ApiToken, BoardSession, Entity, GoverningBody, Membership, OrgUnit, Profile

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
        services.api_token_revoke(
            token=obj, actor=request.user, reason=SystemReason.ADMINISTRATION_SITE
        )

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            self.delete_model(request, token)


@admin.register(GoverningBody)
class GoverningBodyAdmin(ServiceAdmin):
    list_display = ["code", "name_en", "name_zh", "kind"]
    key_fields = ("code",)

    def save_through_service(self, request, obj, form, change):
        return services.governing_body_upsert(
            code=obj.code, actor=request.user, **self.form_fields(form)
        )


@admin.register(BoardSession)
class BoardSessionAdmin(ServiceAdmin):
    list_display = ["body", "kind", "year", "start_date", "end_date"]
    list_filter = ["body", "kind"]
    key_fields = ("body", "kind", "year")

    def save_through_service(self, request, obj, form, change):
        return services.board_session_upsert(
            body=obj.body,
            kind=obj.kind,
            year=obj.year,
            actor=request.user,
            **self.form_fields(form),
        )


@admin.register(Entity)
class EntityAdmin(ServiceAdmin):
    list_display = ["code", "name_en", "name_zh", "entity_type", "governing_body", "is_active"]
    list_filter = ["entity_type", "governing_body", "is_active"]
    search_fields = ["code", "name_en", "name_zh", "short_name_zh"]
    key_fields = ("code",)

    def save_through_service(self, request, obj, form, change):
        return services.entity_upsert(code=obj.code, actor=request.user, **self.form_fields(form))


@admin.register(OrgUnit)
class OrgUnitAdmin(ServiceAdmin):
    list_display = ["entity", "code", "name_en", "parent"]
    list_filter = ["entity"]
    key_fields = ("entity", "code")

    def save_through_service(self, request, obj, form, change):
        return services.org_unit_upsert(
            entity=obj.entity, code=obj.code, actor=request.user, **self.form_fields(form)
        )


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ["user", "entity", "role", "org_unit", "created_at"]
    list_filter = ["role", "entity"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        # Granted or revoked, never edited in place (each is its own audited event).
        return False

    def save_through_service(self, request, obj, form, change):
        return services.membership_grant(
            user=obj.user,
            entity=obj.entity,
            role=obj.role,
            org_unit=obj.org_unit,
            actor=request.user,
        )

    def delete_through_service(self, request, obj):
        services.membership_revoke(membership=obj, actor=request.user)


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdmin):
    """Each user sets their own language (the switcher, the notification preferences page)."""

    list_display = ["user", "language", "updated_at"]
    list_filter = ["language"]
