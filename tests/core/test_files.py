"""core/files.py: the private-file helper every app uses (evidence now, report archives next)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core import files
from core.files import EVIDENCE_TYPES, atomic_with_files, private_storage, store_private
from tests.core import samples


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_names(root):
    private = root / "private"
    return sorted(str(p.relative_to(private)) for p in private.rglob("*") if p.is_file())


@pytest.mark.parametrize(("name", "content", "content_type"), samples.allowed())
def test_each_allowed_type_is_stored_under_a_random_name(settings, name, content, content_type):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    stored = store_private(upload, folder="evidence/1", allowed_types=EVIDENCE_TYPES)
    assert stored.original_name == name
    assert stored.content_type == content_type  # from the name and content, not the client
    assert stored.size == len(content)
    assert stored.name.startswith("evidence/1/") and name.split(".")[0] not in stored.name
    assert (settings.MEDIA_ROOT / "private" / stored.name).read_bytes() == content
    with files.open_private(stored.name) as handle:
        assert handle.read() == content


@pytest.mark.parametrize(("name", "content", "message"), samples.refused())
def test_refused_files_are_not_written(settings, name, content, message):
    upload = SimpleUploadedFile(name, content, content_type="text/plain")
    with pytest.raises(ValidationError, match=message) as refused:
        store_private(upload, folder="evidence/1", allowed_types=EVIDENCE_TYPES)
    assert list(refused.value.message_dict) == ["file"]
    assert not (settings.MEDIA_ROOT / "private").exists()


def test_size_limit_boundary(settings):
    content = samples.PDF
    exact = store_private(
        SimpleUploadedFile("a.pdf", content),
        folder="x",
        allowed_types=EVIDENCE_TYPES,
        max_bytes=len(content),
    )
    assert exact.size == len(content)
    with pytest.raises(ValidationError, match="The file is too large"):
        store_private(
            SimpleUploadedFile("b.pdf", content),
            folder="x",
            allowed_types=EVIDENCE_TYPES,
            max_bytes=len(content) - 1,
        )
    assert stored_names(settings.MEDIA_ROOT) == [exact.name]


def test_default_size_limit_is_the_setting(settings):
    settings.PRIVATE_FILES_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large"):
        store_private(samples.PDF, filename="a.pdf", folder="x", allowed_types=EVIDENCE_TYPES)


def test_bytes_with_a_filename_are_stored(settings):
    stored = store_private(
        samples.CSV, filename="report-run.csv", folder="reports/7", allowed_types=EVIDENCE_TYPES
    )
    assert stored.content_type == "text/csv" and stored.name.endswith(".csv")
    assert (settings.MEDIA_ROOT / "private" / stored.name).read_bytes() == samples.CSV


def test_only_the_given_types_are_allowed():
    with pytest.raises(ValidationError, match=r"Use one of: \.pdf\."):
        store_private(samples.CSV, filename="a.csv", folder="x", allowed_types={".pdf": files.PDF})


def test_private_files_have_no_url():
    stored = store_private(samples.PDF, filename="a.pdf", folder="x", allowed_types=EVIDENCE_TYPES)
    with pytest.raises(ValueError):
        private_storage().url(stored.name)


@pytest.mark.django_db
def test_a_rollback_removes_the_file_written_in_it(settings):
    with pytest.raises(RuntimeError, match="boom"), atomic_with_files():
        stored = store_private(
            samples.PDF, filename="a.pdf", folder="x", allowed_types=EVIDENCE_TYPES
        )
        assert private_storage().exists(stored.name)
        raise RuntimeError("boom")
    assert not private_storage().exists(stored.name)
    assert stored_names(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_an_outer_rollback_removes_files_of_a_committed_inner_block(settings):
    with pytest.raises(RuntimeError), atomic_with_files():
        with atomic_with_files():
            stored = store_private(
                samples.PDF, filename="a.pdf", folder="x", allowed_types=EVIDENCE_TYPES
            )
        assert private_storage().exists(stored.name)  # the inner block ended well
        raise RuntimeError("the outer block fails")
    assert stored_names(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_a_commit_keeps_the_file(settings):
    with atomic_with_files():
        stored = store_private(
            samples.PDF, filename="a.pdf", folder="x", allowed_types=EVIDENCE_TYPES
        )
    assert stored_names(settings.MEDIA_ROOT) == [stored.name]


def test_download_is_an_attachment_that_is_never_rendered():
    stored = store_private(samples.PDF, filename="a.pdf", folder="x", allowed_types=EVIDENCE_TYPES)
    r = files.private_download_response(
        stored.name, filename="Report 2026 «final».pdf", content_type="application/pdf"
    )
    assert r["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Report%202026%20%C2%ABfinal%C2%BB.pdf" in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"]
    assert "default-src 'none'" in r["Content-Security-Policy"]
    assert r["Cache-Control"] == "private, no-store"
    assert r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content) == samples.PDF


def test_download_of_a_missing_file_is_404():
    from django.http import Http404

    with pytest.raises(Http404):
        files.private_download_response("x/gone.pdf", filename="a.pdf", content_type="x/y")


@pytest.mark.django_db
def test_admin_shows_a_row_with_a_private_file_without_linking_it(client, django_user_model):
    from indicators.models import ImportJob
    from tests.indicators.factories import PeriodFactory

    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-12345!")
    job = ImportJob.objects.create(
        period=PeriodFactory(), file="imports/x.xlsx", original_name="x.xlsx", created_by=admin
    )
    client.force_login(admin)
    r = client.get(f"/admin/indicators/importjob/{job.pk}/change/")
    assert r.status_code == 200
    assert "imports/x.xlsx" not in r.content.decode()
