from django.contrib import admin

from .models import BoardSession, Entity, GoverningBody, Membership, OrgUnit


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
