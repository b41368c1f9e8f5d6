"""A large export runs as a job on a real Celery worker (through Redis) and lands in the
archive, with its progress and its file."""

import io
import time

import openpyxl
import pytest

from core.files import delete_private
from reports.choices import ExportStatus
from reports.models import ExportRun
from tests.factories import api_token
from tests.oversight.factories import OversightBodyFactory, RecommendationFactory, ReportFactory
from tests.test_celery_worker import start_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_large_export_is_written_by_a_worker_and_kept_in_the_archive(
    client, api, auditor, unops, settings
):
    # The worker is another process: it writes to the test settings' MEDIA_ROOT, read here too.
    settings.EXPORT_INLINE_MAX_ROWS = 10
    report = ReportFactory(body=OversightBodyFactory(code="oios"), entity=unops)
    RecommendationFactory.create_batch(25, report=report, entity=unops)
    proc = start_worker()
    try:
        client.force_login(auditor)
        r = client.post("/oversight/export.xlsx")
        assert r.status_code == 303
        run = ExportRun.objects.get()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (ExportStatus.SUCCEEDED, ExportStatus.FAILED):
                break
            time.sleep(0.2)
        assert run.status == ExportStatus.SUCCEEDED, run.error
        assert run.worker and run.task_id and run.progress == 100
    finally:
        proc.terminate()
        proc.wait(30)
    page = client.get("/reports/exports/", headers={"HX-Request": "true"})
    assert f'data-export-file="{run.pk}"'.encode() in page.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(auditor)}")
    r = api.get(f"/api/v1/exports/{run.pk}/file/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    assert wb.worksheets[0].max_row == 26
    delete_private(run.file.name)
