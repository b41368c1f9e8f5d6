"""The Django admin, writing through the services (STYLE.md: writes go through one door).

A ModelAdmin built on ServiceAdmin never saves or deletes a row itself: save_model calls the
app's service with the form's fields and the signed-in user as `actor` (so the permission
check, the validation, the audit event and any cache reset happen as on the pages and the
API), and deletion is refused unless the admin names a service for it. The fields that
identify a row (the service's lookup key) are read-only once it exists."""

from django.contrib import admin


class ServiceAdmin(admin.ModelAdmin):
    # Fields that identify the row for its upsert service; read-only once it exists.
    key_fields = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + tuple(self.key_fields) if obj is not None else readonly

    def form_fields(self, form, *, exclude=()):
        """The form's cleaned fields, without the key fields and `exclude`."""
        skip = set(self.key_fields) | set(exclude)
        return {k: v for k, v in form.cleaned_data.items() if k not in skip}

    # A method (request, obj, form, change) -> saved row that writes through a service, or
    # None: adding and changing are refused (the admin then only shows the rows).
    save_through_service = None

    def has_add_permission(self, request):
        return self.save_through_service is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.save_through_service is not None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        saved = self.save_through_service(request, obj, form, change)
        obj.pk = saved.pk  # the admin's messages and redirect use the object it passed

    def has_delete_permission(self, request, obj=None):
        return self.delete_through_service is not None and super().has_delete_permission(
            request, obj
        )

    # A function (request, obj) that deletes through a service, or None: deletion refused.
    delete_through_service = None

    def delete_model(self, request, obj):
        self.delete_through_service(request, obj)

    def delete_queryset(self, request, queryset):
        # The changelist's bulk delete action: one service call per row, each audited.
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnly:
    """Mixed into an admin or an inline whose rows change only through the pages, the API or
    an import (which call the services): it shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """Rows that change only through the services: the admin shows them, nothing more."""
