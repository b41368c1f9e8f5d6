from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ServiceAdmin

from . import services
from .models import NarrativeSection, Publishing, Report, ReportFile, ReportRun


class NarrativeInline(admin.StackedInline):
    model = NarrativeSection
    extra = 0
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["symbol", "entity", "year", "document_date"]
    list_filter = ["entity", "year"]
    inlines = [NarrativeInline]


class FileInline(admin.TabularInline):
    """The run's files by name only: they are private (no URL); they download from the run's
    page after its permission check."""

    model = ReportFile
    extra = 0
    fields = readonly_fields = ["format", "variant", "stored_as", "size", "sha256", "created_at"]
    can_delete = False

    @admin.display(description=_("file"))
    def stored_as(self, obj):
        return obj.file.name


@admin.register(ReportRun)
class ReportRunAdmin(ServiceAdmin):
    """Read-only: runs change through the services (start, render again, issue); deleting one
    goes through report_run_delete (its stored files go too; an issued run stays)."""

    list_display = ["pk", "report", "language", "status", "progress", "created_at", "issued_at"]
    list_filter = ["status", "language"]
    exclude = ["dataset"]
    inlines = [FileInline]

    @staticmethod
    def delete_through_service(request, obj):
        services.report_run_delete(actor=request.user, run=obj)


@admin.register(Publishing)
class PublishingAdmin(admin.ModelAdmin):
    list_display = ["entity", "public", "updated_at"]
