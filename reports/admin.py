from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnly, ReadOnlyAdmin, ServiceAdmin

from . import services
from .models import NarrativeSection, Publishing, Report, ReportFile, ReportRun


class NarrativeInline(ReadOnly, admin.StackedInline):
    model = NarrativeSection
    extra = 0
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Read-only: drafts and their narrative are written on the report's page (report_create,
    report_update, report_narrative_save: checked and audited)."""

    list_display = ["symbol", "entity", "year", "document_date"]
    list_filter = ["entity", "year"]
    inlines = [NarrativeInline]


class FileInline(ReadOnly, admin.TabularInline):
    """The run's files by name only: they are private (no URL); they download from the run's
    page after its permission check."""

    model = ReportFile
    extra = 0
    fields = readonly_fields = ["format", "variant", "stored_as", "size", "sha256", "created_at"]

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
class PublishingAdmin(ServiceAdmin):
    """Whether an entity shows its issued reports publicly, switched through publishing_set
    (the entity's secretariat or an administrator; audited), as on the reports page."""

    list_display = ["entity", "public", "updated_at"]
    fields = ["entity", "public"]
    key_fields = ("entity",)

    @staticmethod
    def save_through_service(request, obj, form, change):
        return services.publishing_set(actor=request.user, entity=obj.entity, public=obj.public)
