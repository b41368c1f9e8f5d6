"""A recommendations file read and written by a real Celery worker, through Redis."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from oversight import services, tasks
from oversight.choices import ImportStatus
from oversight.models import Recommendation, RecommendationImport
from tests.excel_files import cell, header_row, sheet_xml, xlsx
from tests.indicators.test_worker import wait_for as indicators_wait_for
from tests.oversight.test_import_jobs import CSV
from tests.test_celery_worker import worker  # noqa: F401  (the fixture)


@pytest.fixture
def _private_media():
    """The worker is another process: uploads stay in the test settings' MEDIA_ROOT."""


def wait_for(job_id, statuses):
    return indicators_wait_for(job_id, statuses, model=RecommendationImport)


@pytest.mark.worker
@override_settings(OVERSIGHT_IMPORT_INLINE_MAX_BYTES=0, OVERSIGHT_IMPORT_INLINE_ROWS=0)
def test_worker_reads_and_writes_a_recommendations_file(worker, oios, unops, oios_auditor):  # noqa: F811
    job = services.recommendation_import_create(
        upload=SimpleUploadedFile("recs.csv", CSV.encode()), actor=oios_auditor
    )
    assert job.status == ImportStatus.PENDING
    job = wait_for(job.pk, {ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED})
    assert job.status == ImportStatus.READY, job.errors
    assert (job.rows_to_write, job.written_rows) == (2, 0)
    services.recommendation_import_commit(job=job, actor=oios_auditor)
    job = wait_for(job.pk, {ImportStatus.COMMITTED, ImportStatus.INVALID})
    assert job.status == ImportStatus.COMMITTED and job.written_rows == 2
    assert Recommendation.objects.count() == 2


@pytest.mark.worker
def test_worker_refuses_a_hostile_workbook_and_lives(worker, oios, oios_auditor):  # noqa: F811
    far = xlsx(sheet_xml(header_row(["body"]) + f'<row r="1048576">{cell("XFD1048576", 1)}</row>'))
    job = RecommendationImport(original_name="far.xlsx", created_by=oios_auditor)
    job.file.save("far.xlsx", SimpleUploadedFile("far.xlsx", far), save=True)
    tasks.recommendation_import_preview.delay(job.pk)
    job = wait_for(job.pk, {ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED})
    assert job.status == ImportStatus.INVALID
    assert "XFD1048576" in job.errors[0]["message"]
    assert worker.poll() is None
