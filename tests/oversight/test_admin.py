"""The oversight admin writes through the services (audit event written) or is read-only."""

import pytest

from audit.models import Event
from entities.choices import Role
from oversight.models import OversightBody, OversightBodyMember, OversightReport, Resolution
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def body_form(body, **extra):
    data = {
        "name_en": body.name_en,
        "name_zh": body.name_zh,
        "kind": body.kind,
        "priority_scale": "[]",
        "auditors-TOTAL_FORMS": "0",
        "auditors-INITIAL_FORMS": "0",
        "periods-TOTAL_FORMS": "0",
        "periods-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_body_admin_saves_and_names_auditors_through_the_services(client, superuser, oios):
    from oversight.permissions import auditor_body_ids

    auditor = user_with_role(Role.AUDITOR, None, username="new-auditor")
    assert auditor_body_ids(auditor) == set()
    client.force_login(superuser)
    url = f"/admin/oversight/oversightbody/{oios.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="auditors-TOTAL_FORMS"' in page
    prefix = "auditors"
    r = client.post(
        url,
        body_form(
            oios,
            name_en="Office of Internal Oversight Services",
            **{
                f"{prefix}-TOTAL_FORMS": "1",
                f"{prefix}-0-user": auditor.pk,
                f"{prefix}-0-body": oios.pk,
            },
        ),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert Event.objects.filter(action="oversight.body.saved").count() == 1
    member = OversightBodyMember.objects.get(user=auditor)
    assert Event.objects.filter(
        action="oversight.body.auditor_added", target_id=str(member.pk)
    ).exists()
    r = client.post(
        url,
        body_form(
            oios,
            name_en="Office of Internal Oversight Services",
            **{
                f"{prefix}-TOTAL_FORMS": "1",
                f"{prefix}-INITIAL_FORMS": "1",
                f"{prefix}-0-id": member.pk,
                f"{prefix}-0-body": oios.pk,
                f"{prefix}-0-DELETE": "on",
            },
        ),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert not OversightBodyMember.objects.filter(user=auditor).exists()
    assert Event.objects.filter(action="oversight.body.auditor_removed").count() == 1


def test_body_admin_refuses_a_non_administrator(client, oios, unops):
    from django.contrib.auth.models import Permission

    staff = user_with_role(Role.ADMINISTRATOR, unops, username="unops-staff", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="oversight"))
    client.force_login(staff)
    r = client.post(
        f"/admin/oversight/oversightbody/{oios.pk}/change/", body_form(oios, name_en="Renamed")
    )
    assert r.status_code == 403
    assert OversightBody.objects.get(pk=oios.pk).name_en == "OIOS"
    assert not Event.objects.exists()


def test_resolution_admin_goes_through_the_service(client, superuser):
    from oversight import demo

    demo.load_resolutions()
    res = Resolution.objects.get(row=2)
    client.force_login(superuser)
    r = client.post(
        f"/admin/oversight/resolution/{res.pk}/change/",
        {
            "reports_or_actions_zh": res.reports_or_actions_zh,
            "report_symbols": '["A/76/1"]',
            "action_kind": res.action_kind,
            "summary_en": res.summary_en,
            "summary_zh": res.summary_zh,
            "status": "completed",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    res.refresh_from_db()
    assert res.status == "completed" and res.report_symbols == ["A/76/1"]
    assert Event.objects.filter(
        action="oversight.resolution.updated", target_id=str(res.pk)
    ).exists()
    assert client.post(f"/admin/oversight/resolution/{res.pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/oversight/oversightreport/add/",
        "/admin/oversight/recommendation/add/",
        "/admin/oversight/actionplan/add/",
    ],
)
def test_read_only_admins_refuse_additions(client, superuser, url):
    client.force_login(superuser)
    assert client.post(url, {}).status_code == 403
    assert not Event.objects.exists()


def test_report_and_recommendation_admins_refuse_changes(client, superuser, rec):
    client.force_login(superuser)
    report = rec.report
    r = client.post(f"/admin/oversight/oversightreport/{report.pk}/change/", {"symbol": "X"})
    assert r.status_code == 403
    assert OversightReport.objects.get(pk=report.pk).symbol != "X"
    r = client.post(f"/admin/oversight/oversightreport/{report.pk}/delete/", {"post": "yes"})
    assert r.status_code == 403
    r = client.post(f"/admin/oversight/recommendation/{rec.pk}/delete/", {"post": "yes"})
    assert r.status_code == 403
