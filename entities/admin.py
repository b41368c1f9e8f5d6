"""Reference data in the admin, written through entities/services.py (core.admin_mixins):
each change is checked, validated and audited as on the pages. Memberships are granted and
revoked through their services; a role is changed by revoking it and granting another."""

from django.contrib import admin

from core.admin_mixins import ServiceAdmin

from . import services
from .models import BoardSession, Entity, GoverningBody, Membership, OrgUnit


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
