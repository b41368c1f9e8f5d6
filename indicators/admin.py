"""The admin shows frameworks to operators, read-only but for periods' dates: every write goes
through the services, so nothing here can skip validation, permissions or the audit trail."""

from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin, ServiceAdmin

from . import services
from .models import ImportJob, Indicator, Node, Plan, ReportingPeriod, Value


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["entity", "code", "title_en", "start_year", "end_year", "is_illustrative"]
    list_filter = ["entity", "kind"]


@admin.register(Node)
class NodeAdmin(ReadOnlyAdmin):
    list_display = ["plan", "code", "level", "title_en"]
    list_filter = ["plan"]
    search_fields = ["code", "title_en", "title_zh"]


@admin.register(ReportingPeriod)
class PeriodAdmin(ServiceAdmin):
    """Dates and due date change through period_upsert; closing needs a reason (the period's
    page), so it is shown, not edited, here."""

    list_display = ["plan", "label", "start_date", "end_date", "due_date", "is_closed"]
    key_fields = ("plan", "label")
    readonly_fields = ["is_closed"]

    def save_through_service(self, request, obj, form, change):
        return services.period_upsert(
            plan=obj.plan, label=obj.label, actor=request.user, **self.form_fields(form)
        )


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["plan", "code", "name_en", "value_kind", "direction", "is_active"]
    list_filter = ["plan", "value_kind"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(Value)
class ValueAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "period", "status", "numeric_value", "version", "updated_at"]
    list_filter = ["status", "period"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "period", "status", "total_rows", "created_by", "created_at"]
    # A private file has no URL to link to (core/files.py); the admin would fail building one.
    exclude = ["file"]


# Progress computations, so operators can see when the last one ran and whether it failed.
from .models import ProgressSnapshot  # noqa: E402


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "finished_at", "status", "is_current", "result_count"]
    list_filter = ["status", "is_current"]
