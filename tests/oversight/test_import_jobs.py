"""Recommendation imports as jobs: status, preview and problems live in RecommendationImport;
a preview writes nothing (written_rows 0, rows_to_write); large files are read in a job."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from audit.models import Event
from oversight import services
from oversight.choices import ImportStatus
from oversight.models import Recommendation, RecommendationImport
from tests.indicators.test_excel import eager_celery  # noqa: F401  (the fixture)
from tests.oversight.conftest import auth

pytestmark = pytest.mark.django_db

URL = "/api/v1/oversight/"
CSV = (
    "body,report,report_title,report_date,reference,text_en,entity,issued_on\n"
    "oios,2024/1,Audit,2024-01-02,J1,Do it,UNOPS,2024-01-02\n"
    "oios,2024/1,,,J2,Do more,UNOPS,2024-01-02\n"
)


def _csv(text=CSV):
    return SimpleUploadedFile("recs.csv", text.encode())


def test_preview_writes_nothing_and_says_what_would_be_written(api, oios, unops, oios_auditor):
    r = auth(api, oios_auditor).post(
        f"{URL}recommendations/import/", {"file": _csv(), "commit": False}, format="multipart"
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["status"], body["written_rows"], body["rows_to_write"]) == ("ready", 0, 2)
    assert body["created"] is None and [p["reference"] for p in body["preview"]] == ["J1", "J2"]
    assert not Recommendation.objects.exists()
    r = api.get(f"{URL}imports/{body['id']}/")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    r = api.post(f"{URL}imports/{body['id']}/commit/")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["written_rows"], r.json()["created"]) == (
        "committed",
        2,
        2,
    )
    assert Recommendation.objects.count() == 2
    assert Event.objects.filter(action="oversight.import.committed").count() == 1
    r = api.post(f"{URL}imports/{body['id']}/commit/")  # twice: nothing more happens
    assert r.status_code == 200 and Recommendation.objects.count() == 2


def test_an_import_is_seen_and_committed_by_its_uploader_only(
    api, oios, unops, oios_auditor, boa_auditor
):
    job = services.recommendation_import_create(upload=_csv(), actor=oios_auditor)
    assert job.status == ImportStatus.READY
    assert auth(api, boa_auditor).get(f"{URL}imports/{job.pk}/").status_code == 404
    assert api.post(f"{URL}imports/{job.pk}/commit/").status_code == 404
    assert not Recommendation.objects.exists()


def test_refusals_store_nothing(api, reviewer, oios, oios_auditor):
    r = auth(api, reviewer).post(
        f"{URL}recommendations/import/", {"file": _csv()}, format="multipart"
    )
    assert r.status_code == 403
    r = auth(api, oios_auditor).post(
        f"{URL}recommendations/import/",
        {"file": SimpleUploadedFile("x.pdf", b"%PDF")},
        format="multipart",
    )
    assert r.status_code == 400 and "file" in r.json()
    assert not RecommendationImport.objects.exists()


def test_invalid_file_cannot_be_committed(api, oios, unops, oios_auditor):
    r = auth(api, oios_auditor).post(
        f"{URL}recommendations/import/",
        {"file": _csv(CSV.replace("UNOPS", "NOPE")), "commit": True},
        format="multipart",
    )
    assert r.status_code == 400
    assert r.json()["status"] == "invalid" and r.json()["rows_to_write"] == 0
    assert {e["column"] for e in r.json()["errors"]} == {"entity"}
    r = api.post(f"{URL}imports/{r.json()['id']}/commit/")
    assert r.status_code == 400
    assert not Recommendation.objects.exists()


@override_settings(OVERSIGHT_IMPORT_INLINE_MAX_BYTES=0, OVERSIGHT_IMPORT_INLINE_ROWS=0)
@pytest.mark.usefixtures("eager_celery")
def test_large_file_is_read_and_written_in_a_job(
    api, client, oios, unops, oios_auditor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = auth(api, oios_auditor).post(
            f"{URL}recommendations/import/", {"file": _csv()}, format="multipart"
        )
    assert r.status_code == 202 and r.json()["status"] == "pending"
    job = RecommendationImport.objects.get()
    assert job.status == ImportStatus.READY and job.rows_to_write == 2
    client.force_login(oios_auditor)
    page = client.get(f"/oversight/import/{job.pk}/")
    assert page.status_code == 200 and 'data-import-status="ready"' in page.text
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/oversight/import/", {"confirm": job.pk})
    assert r.status_code == 302 and r["Location"] == f"/oversight/import/{job.pk}/"
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED and job.written_rows == 2
    assert Recommendation.objects.count() == 2


@override_settings(OVERSIGHT_IMPORT_INLINE_MAX_BYTES=0)
def test_page_polls_while_the_file_is_read(client, oios, oios_auditor):
    client.force_login(oios_auditor)
    r = client.post("/oversight/import/", {"file": _csv()})
    job = RecommendationImport.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/oversight/import/{job.pk}/"
    r = client.get(r["Location"])
    assert 'data-import-status="pending"' in r.text and "hx-trigger" in r.text
    r = client.get(f"/oversight/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r.text.lstrip().startswith('<div id="import-job"')


def test_someone_elses_import_page_is_not_found(client, oios, unops, oios_auditor, boa_auditor):
    job = services.recommendation_import_create(upload=_csv(), actor=oios_auditor)
    client.force_login(boa_auditor)
    assert client.get(f"/oversight/import/{job.pk}/").status_code == 404
    r = client.post("/oversight/import/", {"confirm": job.pk}, follow=True)
    assert "The upload has expired; upload the file again." in r.text
    assert not Recommendation.objects.exists()


def test_import_jobs_in_the_admin_are_read_only(client, django_user_model, oios, oios_auditor):
    job = services.recommendation_import_create(upload=_csv(), actor=oios_auditor)
    admin = django_user_model.objects.create_superuser("t-admin-imports", "a@example.org", "x")
    client.force_login(admin)
    r = client.get("/admin/oversight/recommendationimport/")
    assert r.status_code == 200 and "recs.csv" in r.text
    assert client.get(f"/admin/oversight/recommendationimport/{job.pk}/change/").status_code == 200
    assert client.get("/admin/oversight/recommendationimport/add/").status_code == 403
