"""Runs on the real demo plan: frozen datasets, digests, pinning, rendering in both languages,
reproducibility, refusals, idempotence and the sweeper."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from audit.models import Event
from indicators import services as indicator_services
from indicators.choices import Status, ValueKind
from indicators.models import Indicator, ProgressSnapshot, Value
from indicators.services.progress import (
    progress_compute_full,
    progress_compute_indicator,
    progress_prune,
)
from reports import services
from reports.choices import RunStatus
from reports.models import NarrativeSection, Report, ReportRun
from reports.selectors import canonical_json, content_digest
from tests.callbacks import tasks_sent

pytestmark = pytest.mark.django_db


def read_back(run):
    files = {f.format: f.file.open("rb").read() for f in run.files.filter(variant="")}
    wb = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    xlsx_codes = [r[0] for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True)]
    docx = Document(io.BytesIO(files["docx"]))
    docx_codes = {row.cells[0].text for t in docx.tables for row in t.rows}
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    return wb, xlsx_codes, docx, docx_codes, pdf_text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_annual_report_in_all_three_formats_holds_every_indicator(demo, report, run_now, language):
    node = report.plan.nodes.filter(parent__isnull=False).order_by("order").first()
    services.report_narrative_save(
        actor=demo["secretariat"],
        report=report,
        node=node,
        text_en="Delivery grew in every region.",
        text_zh="各区域的交付均有增长。",
    )
    run = run_now(report, demo["secretariat"], language)
    assert run.status == RunStatus.SUCCEEDED and run.progress == 100
    codes = list(
        Indicator.objects.filter(plan=report.plan, is_active=True)
        .order_by("order", "code")
        .values_list("code", flat=True)
    )
    assert len(codes) > 10
    wb, xlsx_codes, docx, docx_codes, pdf_text = read_back(run)
    assert xlsx_codes == codes
    assert set(codes) <= docx_codes
    flat = pdf_text.replace("\n", "")
    assert all(code in flat for code in codes)
    assert run.digest in flat  # the file says where it comes from
    assert docx.core_properties.identifier == run.digest
    # the snapshot's values, as real numbers
    by_code = {r["code"]: r for r in run.dataset["indicators"]}
    sheet = {r[0]: r for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    numeric = [c for c, r in by_code.items() if r["actual"] is not None and not r["value"]]
    assert numeric
    for code in numeric:
        assert sheet[code][7] == pytest.approx(by_code[code]["actual"])
    if language == "zh-hans":
        assert "各区域的交付均有增长。" in "".join(p.text for p in docx.paragraphs)
        assert Indicator.objects.get(plan=report.plan, code=codes[0]).name_zh in flat
    else:
        assert "Delivery grew in every region." in flat


def test_run_pins_the_snapshot_and_freezes_a_digested_dataset(demo, report, run_now):
    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    snapshot = run.snapshot
    assert snapshot.is_current and ProgressSnapshot.objects.get(pk=snapshot.pk).pinned
    assert run.digest == content_digest(run.dataset)
    assert len(run.digest) == 64
    assert canonical_json(run.dataset).startswith(b'{"compact"')  # sorted keys
    assert run.dataset["source"]["snapshot"] == snapshot.pk
    # three newer snapshots later, prune(keep=2) still keeps the pinned one
    for _ in range(3):
        progress_compute_full(as_of=date(2027, 1, 15))
    progress_prune(keep=2)
    assert ProgressSnapshot.objects.filter(pk=snapshot.pk).exists()
    assert Event.objects.filter(action="reports.run.started", target_id=str(run.pk)).exists()


def _numeric_approved(plan):
    return (
        Value.objects.filter(
            indicator__plan=plan,
            status=Status.APPROVED,
            indicator__value_kind=ValueKind.NUMBER,
            is_missing=False,
        )
        .select_related("indicator", "period")
        .first()
    )


def test_a_new_value_after_a_run_leaves_the_run_as_it_was(demo, report, run_now):
    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    value = _numeric_approved(report.plan)
    old = next(r for r in run.dataset["indicators"] if r["code"] == value.indicator.code)
    new_number = Decimal(value.numeric_value) + 7
    value = indicator_services.value_reopen(
        value=value, actor=demo["reviewer"], reason="Corrected figure"
    )
    value = indicator_services.value_save(
        indicator=value.indicator,
        period=value.period,
        data={"numeric_value": new_number},
        actor=demo["officer"],
    )
    value = indicator_services.value_submit(value=value, actor=demo["officer"])
    indicator_services.value_approve(value=value, actor=demo["reviewer"])
    progress_compute_indicator(indicator_id=value.indicator_id)  # folds into the pinned one

    again = services.report_run_rerender(actor=demo["secretariat"], run=run)
    again = services.report_run_execute(run_id=again.pk)
    assert again.status == RunStatus.SUCCEEDED
    assert again.digest == run.digest == content_digest(again.dataset)
    row = next(r for r in again.dataset["indicators"] if r["code"] == value.indicator.code)
    assert row["actual"] == old["actual"]

    fresh = run_now(report, demo["secretariat"], formats=["xlsx"])
    assert fresh.digest != run.digest
    row = next(r for r in fresh.dataset["indicators"] if r["code"] == value.indicator.code)
    assert row["actual"] == pytest.approx(float(new_number))


def test_the_same_inputs_give_the_same_digest(demo, report, run_now):
    a = run_now(report, demo["secretariat"], formats=["xlsx"])
    b = run_now(report, demo["secretariat"], formats=["xlsx"])
    assert a.digest == b.digest
    c = run_now(report, demo["secretariat"], language="zh-hans", formats=["xlsx"])
    assert c.digest != a.digest


@pytest.mark.parametrize(
    ("language", "formats", "field"),
    [
        ("fr", ["pdf"], "language"),
        ("en", [], "formats"),
        ("en", ["pdf", "odt"], "formats"),
    ],
)
def test_bad_run_parameters_are_refused_and_nothing_is_written(
    demo, report, language, formats, field
):
    with pytest.raises(ValidationError) as err:
        services.report_run_start(
            actor=demo["secretariat"], report=report, language=language, formats=formats
        )
    assert field in err.value.message_dict
    assert not ReportRun.objects.exists()


def test_no_snapshot_no_run(demo, report):
    ProgressSnapshot.objects.update(is_current=False)
    with pytest.raises(ValidationError) as err:
        services.report_run_start(
            actor=demo["secretariat"], report=report, language="en", formats=["pdf"]
        )
    assert "snapshot" in err.value.message_dict
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "officer", "reader", "auditor", "secretariat_undp"])
def test_only_the_secretariat_starts_runs_and_writes_narrative(demo, report, who):
    user = demo[who]
    with pytest.raises(PermissionDenied):
        services.report_run_start(actor=user, report=report, language="en", formats=["pdf"])
    with pytest.raises(PermissionDenied):
        services.report_narrative_save(actor=user, report=report, text_en="x")
    assert not ReportRun.objects.exists() and not NarrativeSection.objects.exists()


def test_bad_report_headers_are_refused(demo):
    base = {
        "actor": demo["secretariat"], "entity": demo["unops"], "plan": demo["plan"],
        "document_date": date(2027, 4, 1), "title_en": "Annual report",
    }  # fmt: skip
    for field, extra in [
        ("symbol", {"symbol": "not a symbol", "year": 2026}),
        ("year", {"symbol": "DP/OPS/2027/2", "year": 2030}),  # plan ends 2029
        ("year", {"symbol": "DP/OPS/2027/2", "year": 2025}),
    ]:
        with pytest.raises(ValidationError) as err:
            services.report_create(**base, **extra)
        assert field in err.value.message_dict
    assert services.report_create(**base, symbol="DP/OPS/2027/2", year=2029).pk  # boundary
    assert not Report.objects.filter(year__in=[2025, 2030]).exists()
    with pytest.raises(PermissionDenied):
        services.report_create(
            **{**base, "actor": demo["secretariat_undp"]}, symbol="DP/OPS/2027/3", year=2026
        )


def test_issue_refusals_and_issue(demo, report, run_now, django_capture_on_commit_callbacks):
    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    with pytest.raises(PermissionDenied):
        services.report_run_issue(actor=demo["reviewer"], run=run)
    queued = ReportRun.objects.create(
        report=report, language="en", formats=["pdf"], snapshot=run.snapshot,
        dataset=run.dataset, digest=run.digest,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="succeeded"):
        services.report_run_issue(actor=demo["secretariat"], run=queued)
    # Asking returns at once: the run is being issued, nothing archival yet, not issued.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asked = services.report_run_issue(actor=demo["secretariat"], run=run)
    assert len(tasks_sent(callbacks)) == 1
    assert asked.status == RunStatus.ISSUING and not asked.is_issued
    assert asked.issued_by == demo["secretariat"]
    assert not asked.files.filter(variant="archival").exists()
    assert not ReportRun.objects.visible_to(demo["reader"]).filter(pk=run.pk).exists()
    for refused, message in (
        (services.report_run_issue, "being issued"),
        (services.report_run_rerender, "still being rendered"),
        (services.report_run_delete, "still being rendered"),
    ):
        with pytest.raises(ValidationError, match=message):
            refused(actor=demo["secretariat"], run=asked)
    run = services.report_run_execute(run_id=run.pk)  # the worker's part
    assert run.status == RunStatus.SUCCEEDED and run.is_issued and run.progress == 100
    assert run.files.filter(format="pdf", variant="archival").exists()
    assert ReportRun.objects.visible_to(demo["reader"]).filter(pk=run.pk).exists()
    issued = Event.objects.get(action="reports.run.issued", target_id=str(run.pk))
    assert issued.actor == demo["secretariat"]
    assert Event.objects.filter(action="reports.run.issue_requested").count() == 1
    with pytest.raises(ValidationError, match="already been issued"):
        services.report_run_issue(actor=demo["secretariat"], run=run)
    with pytest.raises(ValidationError):
        services.report_run_rerender(actor=demo["secretariat"], run=run)
    assert services.report_run_execute(run_id=run.pk).issued_at == run.issued_at  # twice


def test_an_issue_that_fails_is_shown_and_leaves_the_run_as_it_was(
    demo, report, run_now, issue_now
):
    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    files = list(run.files.values_list("file", flat=True))
    ReportRun.objects.filter(pk=run.pk).update(dataset={**run.dataset, "document": {}})
    failed = issue_now(run, demo["secretariat"])
    assert failed.status == RunStatus.SUCCEEDED and not failed.is_issued
    assert failed.issued_by is None and "Issuing failed" in failed.error
    assert "digest" in failed.error
    assert list(failed.files.values_list("file", flat=True)) == files  # its files kept
    assert Event.objects.filter(action="reports.run.issue_failed", target_id=str(run.pk)).exists()
    # Put right, it is issued on a second try (the error goes).
    ReportRun.objects.filter(pk=run.pk).update(dataset=run.dataset)
    again = issue_now(failed, demo["secretariat"])
    assert again.is_issued and again.error == ""


def test_the_sweeper_fails_or_resends_an_issue_whose_worker_is_gone(
    demo, report, run_now, django_capture_on_commit_callbacks
):
    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    with django_capture_on_commit_callbacks(execute=False):
        services.report_run_issue(actor=demo["secretariat"], run=run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.report_run_resend(run, "worker gone")
    assert len(tasks_sent(callbacks)) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.ISSUING  # sent to be issued again, not rendered again
    ReportRun.objects.filter(pk=run.pk).update(attempts=services.MAX_ATTEMPTS)
    assert not services.report_run_resend(run, "worker gone")
    services.report_run_fail(run, "The worker is gone.")
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and not run.is_issued
    assert "The worker is gone." in run.error and run.files.filter(format="xlsx").exists()


def test_execute_twice_changes_nothing(demo, report, run_now):
    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    files = list(run.files.values_list("sha256", flat=True))
    again = services.report_run_execute(run_id=run.pk)
    assert again.status == RunStatus.SUCCEEDED and again.attempts == 1
    assert list(again.files.values_list("sha256", flat=True)) == files


def test_a_run_another_worker_holds_is_left_alone_unless_taken_over(demo, report, run_now):
    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now(), attempts=1
    )
    assert services.report_run_execute(run_id=run.pk).status == RunStatus.RUNNING
    taken = services.report_run_execute(run_id=run.pk, takeover=True)
    assert taken.status == RunStatus.SUCCEEDED and taken.attempts == 2


def test_a_failing_render_marks_the_run_failed_with_its_error(demo, report, run_now):
    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.QUEUED, dataset={**run.dataset, "document": {}}
    )
    failed = services.report_run_execute(run_id=run.pk)
    assert failed.status == RunStatus.FAILED
    assert "digest" in failed.error


def _claimed(run, *, ago, status=RunStatus.RUNNING, attempts=1, worker="w1@host", task="t1"):
    ReportRun.objects.filter(pk=run.pk).update(
        status=status, attempts=attempts, worker=worker, task_id=task,
        heartbeat_at=timezone.now() - ago,
    )  # fmt: skip
    return ReportRun.objects.get(pk=run.pk)


def test_the_sweeper_sends_again_a_run_whose_worker_is_gone_then_fails_it_with_its_files(
    demo, report, run_now, django_capture_on_commit_callbacks
):
    from core import jobs
    from core.files import private_storage

    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    stored = run.files.get().file.name
    # Claimed just under the grace: not asked about, spared.
    _claimed(run, ago=jobs.GRACE - timedelta(seconds=5))
    assert "reports.run" not in jobs.jobs_sweep(active={})
    # Quiet past the grace, but its worker answers that it runs the task: spared.
    _claimed(run, ago=jobs.GRACE + timedelta(seconds=5))
    assert jobs.jobs_sweep(active={"w1@host": {"t1"}})["reports.run"] == []
    # Its worker is gone: sent again, after commit, with the claim cleared.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        swept = jobs.jobs_sweep(active={"w2@host": {"t1"}})["reports.run"]
    assert [(s.pk, s.resent) for s in swept] == [(run.pk, True)]
    assert len(tasks_sent(callbacks)) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.worker == "" and run.heartbeat_at is None
    assert Event.objects.filter(action="reports.run.resent", reason__contains="w1@host").exists()
    # The last attempt lost too: failed with the reason, and its files go after commit.
    _claimed(run, ago=jobs.GRACE + timedelta(seconds=5), attempts=services.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        swept = jobs.jobs_sweep(active={})["reports.run"]
    assert [(s.pk, s.resent) for s in swept] == [(run.pk, False)]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "w1@host" in run.error and "3 attempts" in run.error
    assert not run.files.exists() and not private_storage().exists(stored)


def test_the_sweeper_fails_a_run_past_its_time_limit_without_sending_it_again(
    demo, report, run_now
):
    from core import jobs
    from reports.tasks import RENDER_TIME_LIMIT

    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    _claimed(run, ago=RENDER_TIME_LIMIT + jobs.GRACE + timedelta(seconds=5))
    swept = jobs.jobs_sweep(active={"w1@host": {"t1"}})["reports.run"]
    assert [(s.pk, s.resent) for s in swept] == [(run.pk, False)]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "time limit" in run.error


def test_a_run_no_worker_ever_took_is_failed_after_the_grace_with_the_reason(
    demo, report, django_capture_on_commit_callbacks
):
    """An API-started run whose message was lost: failed with the reason, not "queued" for
    ever; the secretariat renders it again."""
    from core import jobs

    with django_capture_on_commit_callbacks(execute=False):  # the message is lost
        run = services.report_run_start(
            actor=demo["secretariat"], report=report, language="en", formats=["xlsx"]
        )
    assert run.heartbeat_at is None and run.queued_at is not None
    at_limit = run.queued_at + jobs.UNCLAIMED_GRACE
    assert jobs.jobs_sweep(now=at_limit, active={}) == {}  # exactly at the grace: waits
    swept = jobs.jobs_sweep(now=at_limit + timedelta(seconds=1), active={})
    assert [(s.pk, s.resent) for s in swept["reports.run"]] == [(run.pk, False)]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "message was lost" in run.error
    assert Event.objects.filter(action="reports.run.failed", target_id=str(run.pk)).exists()
    # Rendering it again sends it anew: a fresh grace, no claim.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.report_run_rerender(actor=demo["secretariat"], run=run)
    assert len(tasks_sent(callbacks)) == 1
    assert run.status == RunStatus.QUEUED and run.queued_at > at_limit - jobs.UNCLAIMED_GRACE
    assert jobs.jobs_sweep(now=run.queued_at + jobs.UNCLAIMED_GRACE, active={}) == {}


def test_a_worker_claims_the_run_it_renders(demo, report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.report_run_start(
            actor=demo["secretariat"], report=report, language="en", formats=["xlsx"]
        )
    run = services.report_run_execute(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED
    assert run.worker and run.heartbeat_at >= run.started_at  # inline here: this process


def test_deleting_a_run_deletes_its_stored_files_after_commit(
    demo, report, run_now, django_capture_on_commit_callbacks
):
    from core.files import private_storage

    run = run_now(report, demo["secretariat"], formats=["xlsx", "pdf"])
    names = list(run.files.values_list("file", flat=True))
    assert len(names) == 2 and all(private_storage().exists(n) for n in names)
    with pytest.raises(PermissionDenied):
        services.report_run_delete(actor=demo["reviewer"], run=run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_run_delete(actor=demo["secretariat"], run=run)
    # Not before the deletion has committed (a rollback would keep rows and files).
    assert all(private_storage().exists(n) for n in names)
    for callback in callbacks:
        callback()
    assert not ReportRun.objects.filter(pk=run.pk).exists()
    assert not any(private_storage().exists(n) for n in names)
    assert Event.objects.filter(action="reports.run.deleted", target_id=str(run.pk)).exists()


def test_issued_and_working_runs_are_not_deleted(demo, report, run_now, issue_now):
    from core.files import private_storage

    issued = issue_now(run_now(report, demo["secretariat"], formats=["xlsx"]), demo["secretariat"])
    queued = ReportRun.objects.create(
        report=report, language="en", formats=["pdf"], snapshot=issued.snapshot,
        dataset=issued.dataset, digest=issued.digest,
    )  # fmt: skip
    for run, message in ((issued, "archive"), (queued, "still being rendered")):
        with pytest.raises(ValidationError, match=message):
            services.report_run_delete(actor=demo["secretariat"], run=run)
        assert ReportRun.objects.filter(pk=run.pk).exists()
    assert all(private_storage().exists(f.file.name) for f in issued.files.all())


def test_a_failed_re_render_leaves_no_file_behind(
    demo, report, run_now, django_capture_on_commit_callbacks
):
    from core.files import private_storage

    run = run_now(report, demo["secretariat"], formats=["xlsx"])
    old = run.files.get().file.name
    run = services.report_run_rerender(actor=demo["secretariat"], run=run, enqueue=False)
    ReportRun.objects.filter(pk=run.pk).update(dataset={**run.dataset, "document": {}})
    with django_capture_on_commit_callbacks(execute=True):
        failed = services.report_run_execute(run_id=run.pk)
    assert failed.status == RunStatus.FAILED and "digest" in failed.error
    assert not failed.files.exists() and not private_storage().exists(old)


def test_files_are_kept_in_private_storage_and_downloaded_as_sandboxed_attachments(
    demo, report, run_now, client, django_capture_on_commit_callbacks
):
    from django.core.files.storage import storages
    from django.urls import reverse

    from core.files import private_storage

    run = run_now(report, demo["secretariat"], "en", formats=("xlsx",))
    f = run.files.get()
    name = f.file.name
    assert name.startswith(f"reports/{run.pk}/") and name.endswith(".xlsx")
    assert "DP" not in name  # a random name, never the document's
    assert private_storage().exists(name)
    assert not storages["default"].exists(name)
    with pytest.raises(ValueError):
        f.file.url  # noqa: B018 — private storage has no URL

    client.force_login(demo["secretariat"])
    download = client.get(reverse("reports:file", args=[run.pk, f.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="DP-OPS-2027-2-en.xlsx"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(download.streaming_content) == private_storage().open(name).read()

    # Rendering again replaces the file: the old one is removed once the new row commits.
    services.report_run_rerender(actor=demo["secretariat"], run=run, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_run_execute(run_id=run.pk)
    new = run.files.get()
    assert new.pk == f.pk and new.file.name != name
    assert private_storage().exists(new.file.name)
    assert not private_storage().exists(name)


def test_a_lost_file_is_a_404_not_a_server_error(demo, report, run_now, client):
    from django.urls import reverse

    from core.files import delete_private

    run = run_now(report, demo["secretariat"], "en", formats=("xlsx",))
    f = run.files.get()
    delete_private(f.file.name)
    client.force_login(demo["secretariat"])
    assert client.get(reverse("reports:file", args=[run.pk, f.pk])).status_code == 404
