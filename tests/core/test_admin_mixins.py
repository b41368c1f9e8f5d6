"""A ServiceAdmin writes only through the service it names: without one it adds, changes and
deletes nothing."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from core.admin_mixins import ServiceAdmin
from entities.models import Entity


class _NoService(ServiceAdmin):
    pass


def test_a_service_admin_without_services_refuses_every_write(db):
    superuser = get_user_model().objects.create_superuser("root", "r@example.org", "x")
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = _NoService(Entity, admin.site)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
