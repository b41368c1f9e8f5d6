"""The admin writes nothing around a service (issue #10): for every model registered on the
admin site, and every inline, a superuser may add, change or delete only where the admin
names the service that does it (core.admin_mixins.ServiceAdmin), or deletes through a
service of its own; everything else is read-only."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from core.admin_mixins import ServiceAdmin

pytestmark = pytest.mark.django_db


# The project's apps (the admins of Django's auth, django-axes and django-celery-beat are
# theirs: users and schedules are operators' settings, not data with services).
OURS = {
    "audit",
    "compacts",
    "core",
    "entities",
    "indicators",
    "notifications",
    "oversight",
    "reports",
}


def _registered():
    admin.autodiscover()
    return sorted(
        ((m, ma) for m, ma in admin.site._registry.items() if m._meta.app_label in OURS),
        key=lambda item: item[0]._meta.label,
    )


def _overrides(model_admin, name):
    return getattr(type(model_admin), name) is not getattr(admin.ModelAdmin, name)


@pytest.fixture
def request_as_superuser():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("t-root", "root@example.org", "x")
    return request


@pytest.mark.parametrize(
    "model_admin", [ma for _m, ma in _registered()], ids=lambda ma: ma.model._meta.label
)
def test_every_admin_writes_only_through_a_service(model_admin, request_as_superuser):
    request = request_as_superuser
    saves = isinstance(model_admin, ServiceAdmin) and model_admin.save_through_service
    deletes = (isinstance(model_admin, ServiceAdmin) and model_admin.delete_through_service) or (
        _overrides(model_admin, "delete_model") and _overrides(model_admin, "delete_queryset")
    )
    if not saves:
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
    if not deletes:
        assert not model_admin.has_delete_permission(request)
    # Inlines write their rows with the parent's form: only where the admin hands them to a
    # service (save_formset), never by themselves.
    if not _overrides(model_admin, "save_formset"):
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), inline
            assert not inline.has_change_permission(request, None), inline
            assert not inline.has_delete_permission(request, None), inline


def test_the_check_covers_the_admins_that_write():
    """The rule above is not vacuous: the admins that do write are the service ones."""
    labels = {m._meta.label for m, ma in _registered() if isinstance(ma, ServiceAdmin)}
    assert {"entities.Membership", "oversight.Resolution", "reports.Publishing"} <= labels
