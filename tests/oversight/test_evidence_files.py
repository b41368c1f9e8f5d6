"""Oversight evidence in private storage: the migration that moved the files there, headers of
the download, and no file left behind by a rolled-back upload."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError

from oversight import services
from oversight.models import Evidence
from tests.oversight.conftest import PDF, auth

pytestmark = pytest.mark.django_db

IMPORT_CSV = (
    "body,report,report_title,report_date,reference,text_zh,entity,issued_on\n"
    "oios,2024/7,审计,2024-03-01,S1,应加强控制。,UNOPS,2024-03-01\n"
).encode()

migration = importlib.import_module("oversight.migrations.0004_evidence_private_storage")


def files_under(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def old_evidence(settings, rec, reviewer, name, content):
    """An evidence row as the application wrote it before the migration: the file under
    MEDIA_ROOT itself (the default storage, which has a public URL)."""
    path = settings.MEDIA_ROOT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return Evidence.objects.create(
        recommendation=rec,
        file=name,
        original_name="old.pdf",
        content_type="application/pdf",
        size=len(content),
        uploaded_by=reviewer,
    )


def test_migration_moves_existing_files_into_private_storage(settings, rec, reviewer):
    first = old_evidence(settings, rec, reviewer, f"oversight/evidence/{rec.pk}/aaa", PDF)
    second = old_evidence(settings, rec, reviewer, f"oversight/evidence/{rec.pk}/bbb", b"%PDF-2")
    lost = Evidence.objects.create(
        recommendation=rec,
        file=f"oversight/evidence/{rec.pk}/lost",
        original_name="lost.pdf",
        content_type="application/pdf",
        size=1,
        uploaded_by=reviewer,
    )
    migration.to_private(apps, None)
    private = settings.MEDIA_ROOT / "private"
    assert files_under(private) == [first.file.name, second.file.name]
    assert (private / first.file.name).read_bytes() == PDF
    # Nothing is left where a URL could reach it.
    assert not (settings.MEDIA_ROOT / "oversight").exists() or not files_under(
        settings.MEDIA_ROOT / "oversight"
    )
    # Names are kept, so rows need no change; a second run changes nothing.
    assert set(Evidence.objects.values_list("file", flat=True)) == {
        first.file.name,
        second.file.name,
        lost.file.name,
    }
    migration.to_private(apps, None)
    assert files_under(private) == [first.file.name, second.file.name]


def test_migrated_evidence_downloads_through_the_helper(api, settings, rec, reviewer):
    evidence = old_evidence(settings, rec, reviewer, f"oversight/evidence/{rec.pk}/ccc", PDF)
    migration.to_private(apps, None)
    r = auth(api, reviewer).get(f"/api/v1/oversight/evidence/{evidence.pk}/download/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF


def test_migration_reverses(settings, rec, reviewer):
    evidence = services.evidence_add(
        recommendation=rec, actor=reviewer, upload=SimpleUploadedFile("e.pdf", PDF)
    )
    migration.to_default(apps, None)
    assert (settings.MEDIA_ROOT / evidence.file.name).read_bytes() == PDF
    assert files_under(settings.MEDIA_ROOT / "private") == []


def test_new_evidence_is_in_private_storage(settings, rec, reviewer, pdf):
    evidence = services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    assert (settings.MEDIA_ROOT / "private" / evidence.file.name).read_bytes() == PDF
    with pytest.raises(ValueError):
        evidence.file.url  # noqa: B018 (no URL serves private files)


def test_download_headers_page_and_api(client, api, rec, reviewer, oios_auditor, pdf):
    evidence = services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    client.force_login(oios_auditor)
    for r in (
        client.get(f"/oversight/evidence/{evidence.pk}/"),
        auth(api, reviewer).get(f"/api/v1/oversight/evidence/{evidence.pk}/download/"),
    ):
        assert r.status_code == 200
        assert r["Content-Disposition"].startswith("attachment;")
        assert r["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in r["Content-Security-Policy"]
        assert b"".join(r.streaming_content) == PDF


def test_download_refused_to_other_entity_and_anonymous(
    client, api, rec, reviewer, officer_undp, pdf
):
    evidence = services.evidence_add(recommendation=rec, actor=reviewer, upload=pdf)
    client.force_login(officer_undp)
    assert client.get(f"/oversight/evidence/{evidence.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/oversight/evidence/{evidence.pk}/").status_code == 302
    assert api.get(f"/api/v1/oversight/evidence/{evidence.pk}/download/").status_code in (
        401,
        403,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.txt", b"<!doctype html><script>alert(1)</script>"),
        ("image.csv", b"<svg onload='alert(1)'/>"),
        ("program.pdf", b"MZ\x90\x00"),
    ],
)
def test_disguised_files_are_refused(settings, rec, reviewer, name, content):
    with pytest.raises(ValidationError, match="does not match its extension"):
        services.evidence_add(
            recommendation=rec, actor=reviewer, upload=SimpleUploadedFile(name, content)
        )
    assert not Evidence.objects.exists()
    assert not (settings.MEDIA_ROOT / "private").exists()


def test_rollback_after_the_file_is_written_leaves_no_file(settings, monkeypatch, rec, reviewer):
    def fail(**kwargs):
        raise DatabaseError("the audit write failed")

    monkeypatch.setattr(services, "event_record", fail)
    with pytest.raises(DatabaseError):
        services.evidence_add(
            recommendation=rec, actor=reviewer, upload=SimpleUploadedFile("e.pdf", PDF)
        )
    assert not Evidence.objects.exists()
    assert files_under(settings.MEDIA_ROOT / "private") == []


def test_api_lists_a_recommendations_evidence(
    api, rec, reviewer, officer_undp, pdf, django_assert_max_num_queries
):
    url = f"/api/v1/oversight/recommendations/{rec.pk}/evidence/"
    first = auth(api, reviewer).post(url, {"file": pdf}, format="multipart").json()
    with django_assert_max_num_queries(12) as few:
        r = api.get(url)
    assert r.status_code == 200 and [e["id"] for e in r.json()] == [first["id"]]
    for i in range(5):
        services.evidence_add(
            recommendation=rec, actor=reviewer, upload=SimpleUploadedFile(f"{i}.pdf", PDF)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = api.get(url)
    assert r.status_code == 200 and len(r.json()) == 6
    assert r.json()[0]["download_url"] == f"/api/v1/oversight/evidence/{first['id']}/download/"
    assert auth(api, officer_undp).get(url).status_code == 404


def test_an_uploaded_import_is_kept_in_private_storage(client, settings, oios, unops, oios_auditor):
    """The import job's file lives in private storage (no URL), before and after its commit."""
    csv = IMPORT_CSV
    client.force_login(oios_auditor)
    r = client.post("/oversight/import/", {"file": SimpleUploadedFile("s.csv", csv)})
    assert r.status_code == 200
    pending = settings.MEDIA_ROOT / "private" / "oversight" / "imports"
    assert [p.read_bytes() for p in pending.iterdir()] == [csv]
    assert not (settings.MEDIA_ROOT / "oversight").exists()  # nothing outside private storage
    r = client.post("/oversight/import/", {"confirm": r.context["confirm_token"]})
    assert r.status_code == 302
    assert [p.read_bytes() for p in pending.iterdir()] == [csv]  # kept with its job
