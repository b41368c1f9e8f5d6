"""The reports admin: drafts read-only; publishing switched through publishing_set (audited)."""

import pytest

from audit.models import Event
from reports.models import Publishing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_publishing_is_switched_through_the_service(client, unops):
    client.force_login(UserFactory(username="t-root", is_superuser=True, is_staff=True))
    response = client.post("/admin/reports/publishing/add/", {"entity": unops.pk, "public": "on"})
    assert response.status_code == 302, response.content[:500]
    setting = Publishing.objects.get(entity=unops)
    assert setting.public
    event = Event.objects.get(action="reports.publishing.set")
    assert event.payload == {"public": True} and event.entity_id == unops.pk
    response = client.post(f"/admin/reports/publishing/{setting.pk}/change/", {})
    assert response.status_code == 302
    assert not Publishing.objects.get(entity=unops).public
    assert Event.objects.filter(action="reports.publishing.set").count() == 2


def test_drafts_are_read_only_in_the_admin(client, unops):
    client.force_login(UserFactory(username="t-root", is_superuser=True, is_staff=True))
    assert client.get("/admin/reports/report/add/").status_code == 403
