"""Evidence of values through the page and the API: the same service, the same checks."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError

from audit.models import Event
from indicators.choices import Status
from indicators.models import Evidence
from indicators.services import evidence as evidence_service
from tests.core import samples
from tests.factories import api_token
from tests.indicators.factories import IndicatorFactory, value_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def private_files(settings):
    root = settings.MEDIA_ROOT / "private"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


def upload(api, value, name, content):
    return api.post(
        f"/api/v1/values/{value.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def assert_download_headers(r, content):
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"]
    assert b"".join(r.streaming_content) == content


@pytest.mark.parametrize(("name", "content", "content_type"), samples.allowed())
def test_api_upload_of_each_allowed_type(
    api, settings, officer, indicator, period, name, content, content_type
):
    value = value_in(indicator, period, officer=officer)
    r = upload(auth(api, officer), value, name, content)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["original_name"] == name and body["content_type"] == content_type
    assert body["size"] == len(content) and body["uploaded_by"] == officer.username
    r = api.get(body["download_url"])
    assert_download_headers(r, content)
    assert r["Content-Type"] == content_type
    assert Event.objects.filter(action="value.evidence_attached", target_id=str(value.pk)).exists()


@pytest.mark.parametrize(("name", "content", "message"), samples.refused())
def test_api_refuses_bad_files_with_400_and_writes_nothing(
    api, settings, officer, indicator, period, name, content, message
):
    value = value_in(indicator, period, officer=officer)
    events = Event.objects.count()
    r = upload(auth(api, officer), value, name, content)
    assert r.status_code == 400
    assert message in r.json()["file"][0]
    assert not Evidence.objects.exists() and Event.objects.count() == events
    assert private_files(settings) == []


def test_api_refuses_an_oversize_file(api, settings, officer, indicator, period):
    settings.INDICATORS_EVIDENCE_MAX_BYTES = len(samples.PDF) - 1
    value = value_in(indicator, period, officer=officer)
    r = upload(auth(api, officer), value, "big.pdf", samples.PDF)
    assert r.status_code == 400 and "too large" in r.json()["file"][0]
    settings.INDICATORS_EVIDENCE_MAX_BYTES = len(samples.PDF)
    assert upload(api, value, "fits.pdf", samples.PDF).status_code == 201


def test_api_upload_without_a_file_is_400(api, officer, indicator, period):
    value = value_in(indicator, period, officer=officer)
    r = auth(api, officer).post(f"/api/v1/values/{value.pk}/evidence/", {}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()
    assert not Evidence.objects.exists()


def test_api_upload_refusals(
    api, settings, officer, officer_undp, auditor, reviewer, indicator, period
):
    value = value_in(indicator, period, officer=officer)
    # Another entity's officer does not even see the value.
    assert upload(auth(api, officer_undp), value, "a.pdf", samples.PDF).status_code == 404
    # The auditor sees it but may not attach (as on the page).
    assert upload(auth(api, auditor), value, "a.pdf", samples.PDF).status_code == 403
    api.credentials()
    assert upload(api, value, "a.pdf", samples.PDF).status_code in (401, 403)
    approved = value_in(
        IndicatorFactory(plan=indicator.plan),
        period,
        Status.APPROVED,
        officer=officer,
        reviewer=reviewer,
    )
    assert upload(auth(api, officer), approved, "a.pdf", samples.PDF).status_code == 403
    assert not Evidence.objects.exists() and private_files(settings) == []


def test_api_list_and_download_refusals(
    api, officer, officer_undp, auditor, reviewer, indicator, period
):
    value = value_in(indicator, period, officer=officer)
    evidence_id = upload(auth(api, officer), value, "a.pdf", samples.PDF).json()["id"]
    listing = f"/api/v1/values/{value.pk}/evidence/"
    download = f"/api/v1/evidence/{evidence_id}/download/"
    for user in (officer, reviewer, auditor):
        auth(api, user)
        assert [e["id"] for e in api.get(listing).json()] == [evidence_id]
        assert_download_headers(api.get(download), samples.PDF)
        assert api.get("/api/v1/evidence/").json()["count"] == 1
    auth(api, officer_undp)
    assert api.get(listing).status_code == 404
    assert api.get(download).status_code == 404
    assert api.get("/api/v1/evidence/").json()["count"] == 0
    api.credentials()
    assert api.get(download).status_code in (401, 403)
    assert api.get(listing).status_code in (401, 403)


def test_page_download_headers_and_refusals(client, officer, officer_undp, indicator, period):
    value = value_in(indicator, period, officer=officer)
    client.force_login(officer)
    client.post(
        f"/indicators/values/{value.pk}/evidence/",
        {"file": SimpleUploadedFile("page.txt", b"<html><script>alert(1)</script>")},
    )
    assert not Evidence.objects.exists()
    client.post(
        f"/indicators/values/{value.pk}/evidence/",
        {"file": SimpleUploadedFile("a.pdf", samples.PDF)},
    )
    evidence = Evidence.objects.get()
    url = f"/indicators/values/{value.pk}/evidence/{evidence.pk}/"
    assert_download_headers(client.get(url), samples.PDF)
    client.force_login(officer_undp)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_rollback_after_the_file_is_written_leaves_no_file(
    settings, monkeypatch, officer, indicator, period
):
    """The file is written before the row and the audit event; if anything after it fails the
    transaction rolls back and the file goes with it."""
    value = value_in(indicator, period, officer=officer)

    def fail(**kwargs):
        raise DatabaseError("the audit write failed")

    monkeypatch.setattr(evidence_service, "event_record", fail)
    with pytest.raises(DatabaseError):
        evidence_service.evidence_attach(
            value=value, actor=officer, upload=SimpleUploadedFile("a.pdf", samples.PDF)
        )
    assert not Evidence.objects.exists()
    assert private_files(settings) == []


def test_evidence_list_query_count_does_not_grow(
    api, officer, auditor, indicator, period, django_assert_max_num_queries
):
    value = value_in(indicator, period, officer=officer)

    def attach(n):
        for i in range(n):
            evidence_service.evidence_attach(
                value=value, actor=officer, upload=SimpleUploadedFile(f"{i}.pdf", samples.PDF)
            )

    attach(1)
    auth(api, auditor)
    with django_assert_max_num_queries(12) as few:
        assert api.get(f"/api/v1/values/{value.pk}/evidence/").status_code == 200
        assert api.get("/api/v1/evidence/").status_code == 200
    attach(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r1 = api.get(f"/api/v1/values/{value.pk}/evidence/")
        r2 = api.get("/api/v1/evidence/")
    assert r1.status_code == 200 and len(r1.json()) == 7
    assert r2.status_code == 200 and r2.json()["count"] == 7


def test_schema_has_the_evidence_endpoints(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    upload_op = paths["/api/v1/values/{id}/evidence/"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert "get" in paths["/api/v1/values/{id}/evidence/"]
    assert "get" in paths["/api/v1/evidence/{id}/download/"]


def test_an_uploaded_workbook_is_private_and_removed_on_rollback(
    settings, monkeypatch, officer, indicator, period
):
    """Workbooks go through the same helper: stored privately, and gone again when the
    transaction that stored them rolls back."""
    from indicators import exporters
    from indicators.models import ImportJob
    from indicators.services import imports

    content = exporters.build_template(period)
    job = imports.import_job_create(
        period=period, upload=SimpleUploadedFile("values.xlsx", content), actor=officer
    )
    assert job.file.name.startswith("imports/") and job.original_name == "values.xlsx"
    assert (settings.MEDIA_ROOT / "private" / job.file.name).read_bytes() == content

    def fail(**kwargs):
        raise DatabaseError("the audit write failed")

    monkeypatch.setattr(imports, "event_record", fail)
    with pytest.raises(DatabaseError):
        imports.import_job_create(
            period=period, upload=SimpleUploadedFile("again.xlsx", content), actor=officer
        )
    assert ImportJob.objects.count() == 1
    # Only the first job's files remain: its workbook and, once previewed, the rows its preview
    # checked (kept beside it for the commit); nothing of the rolled-back upload.
    kept = settings.MEDIA_ROOT / "private" / job.file.name
    assert set(private_files(settings)) <= {kept, kept.with_name(kept.name + ".checked.csv")}
    assert kept in private_files(settings)
