"""The secretariat writes a narrative paragraph in Chinese, starts a run, watches the progress
bar while a real Celery worker renders it, downloads the Word and PDF files and issues the run;
a reader then finds it."""

import os
import signal
from datetime import date

import pytest
from django.conf import settings
from docx import Document

from entities.demo import load_entities, load_users
from indicators.demo import load_unops_plan
from indicators.services.progress import progress_compute_full
from reports.demo import load_demo_report
from reports.models import ReportRun
from tests.browser.conftest import sign_in
from tests.reports.test_worker import start_worker
from tests.test_celery_worker import WORKER_TIMEOUT

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Rendering (by the worker: the files, and the archival PDF/A copy that issuing asks it for) is
# the heavy step: a busy machine can take minutes, so those waits get the worker's bound
# (tests/test_celery_worker.WORKER_TIMEOUT) instead of the 30 s of a page.
RENDER_TIMEOUT_MS = WORKER_TIMEOUT * 1000


@pytest.fixture
def demo_report(transactional_db):
    load_entities()
    load_users()
    load_unops_plan()
    progress_compute_full(as_of=date(2027, 1, 15))
    return load_demo_report()


@pytest.fixture
def worker(demo_report):
    from resultsframework.celery import app

    app.control.purge()
    proc = start_worker()
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)


def test_secretariat_renders_and_issues_and_a_reader_finds_it(
    new_page, demo_report, worker, tmp_path
):
    page = new_page(locale="zh-CN")
    sign_in(page, "secretariat", settings.DEMO_PASSWORD)
    page.click('#main-nav [data-nav="reports"]')
    page.click(f'a:has-text("{demo_report.symbol}")')
    summary = page.locator('form[data-narrative="summary"]')
    summary.locator("textarea[name$=text_zh]").fill("项目署在2026年扩大了合作伙伴的执行能力。")
    summary.locator('[data-action="save-narrative"]').click()
    page.wait_for_selector(".message-success")

    form = page.locator('form[data-form="start-run"]')
    form.locator("select[name=language]").select_option("zh-hans")
    form.locator('[data-action="start-run"]').click()
    page.wait_for_selector("#run-status progress")
    # the bar is shown while the worker renders, then the run succeeds and polling stops
    page.wait_for_selector('[data-run-status="succeeded"]', timeout=RENDER_TIMEOUT_MS)
    assert page.locator("#run-status progress").get_attribute("value") == "100"
    run = ReportRun.objects.get()
    assert run.language == "zh-hans"
    assert run.dataset["summary"] == "项目署在2026年扩大了合作伙伴的执行能力。"

    with page.expect_download() as word:
        page.click('[data-file="docx"]')
    path = tmp_path / word.value.suggested_filename
    word.value.save_as(path)
    assert path.suffix == ".docx"
    text = "".join(p.text for p in Document(path).paragraphs)
    assert "项目署在2026年扩大了合作伙伴的执行能力。" in text
    with page.expect_download() as pdf:
        page.click('[data-file="pdf"]')
    pdf_path = tmp_path / pdf.value.suggested_filename
    pdf.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")

    page.click('[data-action="issue"]', timeout=RENDER_TIMEOUT_MS)
    # the request returns at once; the page follows the worker making the archival copy
    page.wait_for_selector('[data-run-status="issuing"], [data-issued]')
    page.wait_for_selector("[data-issued]", timeout=RENDER_TIMEOUT_MS)
    assert page.locator('[data-file="pdf-archival"]').count() == 1

    reader = new_page(locale="en-US")
    sign_in(reader, "reader", settings.DEMO_PASSWORD)
    reader.click('#main-nav [data-nav="reports"]')
    reader.click(f'[data-run="{run.pk}"] a')
    reader.wait_for_selector('[data-run-status="succeeded"]')
    assert reader.locator("[data-issued]").count() == 1
    assert reader.locator('[data-action="issue"]').count() == 0
    assert page.foreign_requests == [] and reader.foreign_requests == []


def test_secretariat_deletes_a_draft_run_after_confirming(new_page, demo_report):
    from indicators.models import ProgressSnapshot
    from reports.selectors import content_digest
    from tests.reports.datasets import sample_dataset

    dataset = sample_dataset()
    run = ReportRun.objects.create(
        report=demo_report, language="en", formats=["xlsx"], status="succeeded", progress=100,
        snapshot=ProgressSnapshot.objects.get(is_current=True), dataset=dataset,
        digest=content_digest(dataset),
    )  # fmt: skip
    page = new_page(locale="zh-CN")
    sign_in(page, "secretariat", settings.DEMO_PASSWORD)
    page.goto(f"/reports/runs/{run.pk}/")
    page.click('[data-action="delete-run"]')
    page.wait_for_selector('[data-action="confirm-delete-run"]')  # it asks first
    assert ReportRun.objects.filter(pk=run.pk).exists()
    page.click('[data-action="confirm-delete-run"]')
    page.wait_for_selector(".message-success")
    assert page.url.endswith(f"/reports/{demo_report.pk}/")
    assert not ReportRun.objects.filter(pk=run.pk).exists()
    assert page.foreign_requests == []
