"""A real browser: an auditor exports the (filtered) recommendations list, too large to stream
at once, watches the job's progress bar until a real worker has written it, and downloads the
file from the report archive — in English and in Chinese."""

import io

import openpyxl
import pytest
from django.utils import translation
from playwright.sync_api import expect

from core.files import delete_private
from reports.models import ExportRun
from tests.browser.conftest import sign_in
from tests.test_celery_worker import start_worker

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("locale", "language"), [("en", "en"), ("zh-CN", "zh-hans")])
def test_auditor_exports_recommendations_watches_progress_downloads_from_archive(
    new_page, small_demo, settings, locale, language
):
    settings.EXPORT_INLINE_MAX_ROWS = 1  # two rows are "large": a job
    page = new_page(locale=locale)
    sign_in(page, "auditor", small_demo.password)
    page.goto("/oversight/recommendations/?body=oios")
    page.click("#export-link")
    page.wait_for_url("**/reports/exports/*/")
    run = ExportRun.objects.get()
    assert run.params == {"body": ["oios"]} and run.language == language
    # No worker yet: the job waits, its bar at 0 and polled by htmx.
    expect(page.locator("#export-status progress")).to_be_visible()
    expect(page.locator("[data-export-status]")).to_have_attribute("data-export-status", "queued")
    proc = start_worker(purge=False)  # the job's message is already on the queue
    try:
        expect(page.locator("[data-export-status]")).to_have_attribute(
            "data-export-status", "succeeded", timeout=180_000
        )
        expect(page.locator("#export-status progress")).to_have_attribute("value", "100")
    finally:
        proc.terminate()
        proc.wait(30)
    # The file is in the report archive; the auditor downloads it there.
    page.goto("/reports/")
    link = page.locator(f'#export-archive [data-export-file="{run.pk}"]')
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("recommendations-")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:
        wb = openpyxl.load_workbook(io.BytesIO(f.read()))
    with translation.override(language):
        assert wb.sheetnames[0] == translation.gettext("Recommendations")
    references = sorted(row[3] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert references == ["AR2024/017/03", "AR2024/018/01"]  # OIOS's two, as filtered
    run.refresh_from_db()
    delete_private(run.file.name)
