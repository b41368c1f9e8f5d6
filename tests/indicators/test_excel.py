from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import load_workbook

from audit.models import Event
from indicators import exporters, services
from indicators.choices import ImportStatus, ValueKind
from indicators.models import ImportJob, Value
from resultsframework.celery import app as celery_app
from tests.factories import api_token

pytestmark = pytest.mark.django_db


def workbook(period, edits=None, extra_rows=()):
    """The template, with {code: (value, footnote)} filled in and extra rows appended."""
    wb = load_workbook(BytesIO(exporters.build_template(period)))
    ws = wb["Values"]
    for row in ws.iter_rows(min_row=2):
        code = row[0].value
        if edits and code in edits:
            row[6].value, row[7].value = edits[code]
    for extra in extra_rows:
        ws.append(extra)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(content, name="values.xlsx"):
    return SimpleUploadedFile(name, content)


def test_template_has_columns_rows_and_validation(period, kinds):
    wb = load_workbook(BytesIO(exporters.build_template(period)))
    ws = wb["Values"]
    assert [c.value for c in ws[1]] == [
        "Code",
        "Indicator",
        "Kind",
        "Unit",
        "Baseline",
        "Target",
        "Current value",
        "Footnote",
    ]
    codes = [r[0].value for r in ws.iter_rows(min_row=2)]
    assert codes == [f"K-{k}" for k in ValueKind.values]
    number_row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "K-number")
    assert number_row[4].value == "10.0" and number_row[5].value == "20.0"
    by_cells = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert by_cells["G5"].type == "list"  # yes/no
    assert by_cells["G3"].type == "decimal" and by_cells["G3"].formula2 == "100"  # percent
    assert by_cells["G2"].type == "decimal"  # number


def test_clean_file_previews_then_commits_through_the_service(officer, period, kinds):
    content = workbook(
        period,
        {
            "K-number": (12.5, None),
            "K-percent": ("45.5%", None),
            "K-currency": (1000000, None),
            "K-yes_no": ("yes", None),
            "K-text": ("On track in 3 regions", None),
            "K-parts": ("pooled=59; thematic=27", None),
        },
    )
    job = services.import_job_create(period=period, upload=upload(content), actor=officer)
    assert job.status == ImportStatus.READY, job.errors
    assert (job.rows_to_write, job.written_rows) == (6, 0)
    assert not Value.objects.exists()  # a preview writes nothing
    job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.COMMITTED
    values = {v.indicator.code: v for v in Value.objects.select_related("indicator")}
    assert values["K-number"].numeric_value == Decimal("12.5")
    assert values["K-percent"].numeric_value == Decimal("45.5")
    assert values["K-yes_no"].bool_value is True
    assert {p.code: p.numeric_value for p in values["K-parts"].parts.all()} == {
        "pooled": Decimal("59"),
        "thematic": Decimal("27"),
    }
    # One audit event for the import, none per value: each value has its history row.
    assert not Event.objects.filter(action="value.saved").exists()
    assert Event.objects.filter(action="import.committed").count() == 1
    history = Value.pgh_event_model.objects
    assert history.filter(pgh_context__metadata__import=job.pk).count() == 6
    # Committing twice writes nothing more.
    services.import_commit(job=job, actor=officer)
    assert Event.objects.filter(action="import.committed").count() == 1
    assert history.count() == 6


def test_missing_value_with_footnote(officer, period, kinds):
    content = workbook(period, {"K-number": (None, "Survey postponed to 2027")})
    job = services.import_job_create(period=period, upload=upload(content), actor=officer)
    services.import_commit(job=job, actor=officer)
    value = Value.objects.get()
    assert value.is_missing and value.footnote == "Survey postponed to 2027"


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_written(
    officer, reviewer, period, kinds
):
    approved = services.value_save(
        indicator=kinds["yes_no"], period=period, data={"bool_value": True}, actor=officer
    )
    approved = services.value_submit(value=approved, actor=officer)
    services.value_approve(value=approved, actor=reviewer)
    content = workbook(
        period,
        {
            "K-number": ("twelve", None),
            "K-percent": (120, None),
            "K-yes_no": ("no", None),
            "K-parts": ("pooled=59", None),
        },
        extra_rows=[["NOPE-1", "", "", "", "", "", 5, ""], ["K-number", "", "", "", "", "", 3, ""]],
    )
    job = services.import_job_create(period=period, upload=upload(content), actor=officer)
    assert job.status == ImportStatus.INVALID
    problems = {(e["row"], e["column"], e["message"]) for e in job.errors}
    assert problems == {
        (2, "Current value", "“twelve” is not a number."),
        (3, "Current value", "A percent must be between 0 and 100."),
        (
            5,
            "Current value",
            "The value for this period is approved and locked; a reviewer must reopen it.",
        ),
        (7, "Current value", "Enter a number for: thematic funds."),
        (8, "Code", "Unknown indicator code “NOPE-1”."),
        (9, "Code", "Indicator K-number appears again (first on row 2)."),
    }
    assert Value.objects.count() == 1  # only the approved one from before
    with pytest.raises(Exception, match="no problem"):
        services.import_commit(job=job, actor=officer)


def test_closed_period_and_wrong_file_are_refused(officer, reviewer, period, kinds):
    with pytest.raises(Exception, match="not an Excel workbook"):
        services.import_job_create(period=period, upload=upload(b"hello"), actor=officer)
    services.period_upsert(plan=period.plan, label=period.label, actor=reviewer, is_closed=True)
    period.refresh_from_db()
    with pytest.raises(Exception, match="closed"):
        services.import_job_create(period=period, upload=upload(workbook(period)), actor=officer)
    assert not ImportJob.objects.exists()


def test_reviewer_cannot_upload_values(reviewer, period, kinds):
    with pytest.raises(Exception, match="programme officers"):
        services.import_job_create(period=period, upload=upload(workbook(period)), actor=reviewer)


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@override_settings(INDICATORS_IMPORT_INLINE_MAX_BYTES=0, INDICATORS_IMPORT_INLINE_ROWS=0)
def test_large_file_is_read_and_committed_in_a_job(
    officer, period, kinds, eager_celery, django_capture_on_commit_callbacks
):
    content = workbook(period, {"K-number": (7, None)})
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_job_create(period=period, upload=upload(content), actor=officer)
    assert job.status == ImportStatus.PENDING  # the page polls while the job reads
    job.refresh_from_db()
    assert job.status == ImportStatus.READY and job.processed_rows == job.total_rows == 6
    with django_capture_on_commit_callbacks(execute=True):
        services.import_commit(job=job, actor=officer)
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED
    assert Value.objects.get().numeric_value == Decimal("7")


@override_settings(INDICATORS_IMPORT_INLINE_MAX_BYTES=0, INDICATORS_IMPORT_INLINE_ROWS=0)
def test_a_commit_waiting_for_a_worker_is_not_taken_for_the_previews_dead_worker(
    officer, period, kinds, eager_celery, django_capture_on_commit_callbacks
):
    """The preview's claim is cleared when the commit is sent: while it waits in the queue the
    sweeper leaves it alone; a commit no worker ever takes is failed with the reason."""
    from core import jobs

    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_job_create(
            period=period, upload=upload(workbook(period, {"K-number": (7, None)})), actor=officer
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.READY and job.worker and job.heartbeat_at  # claimed
    with django_capture_on_commit_callbacks(execute=False):  # the commit waits (or is lost)
        services.import_commit(job=job, actor=officer)
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTING and job.heartbeat_at is None and not job.worker
    later = job.queued_at + jobs.GRACE + timedelta(seconds=1)
    assert jobs.jobs_sweep(now=later, active={}).get("indicators.import", []) == []
    lost = job.queued_at + jobs.UNCLAIMED_GRACE + timedelta(seconds=1)
    swept = jobs.jobs_sweep(now=lost, active={})["indicators.import"]
    assert [s.pk for s in swept] == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "message was lost" in job.errors[0]["message"]
    assert not Value.objects.exists()


def test_import_through_api_and_page(api, client, officer, period, kinds):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(officer)}")
    r = api.post(
        "/api/v1/imports/",
        {"period": period.pk, "file": upload(workbook(period, {"K-number": ("x", None)}))},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "invalid"
    assert r.json()["errors"][0]["message"] == "“x” is not a number."
    r = api.post(f"/api/v1/imports/{r.json()['id']}/commit/")
    assert r.status_code == 400
    r = api.post(
        "/api/v1/imports/",
        {"period": period.pk, "file": upload(workbook(period, {"K-number": (4, None)}))},
        format="multipart",
    )
    # A preview writes nothing and says so; what a commit would write has its own name.
    assert (r.json()["status"], r.json()["written_rows"], r.json()["rows_to_write"]) == (
        "ready",
        0,
        1,
    )
    r = api.post(f"/api/v1/imports/{r.json()['id']}/commit/")
    assert r.status_code == 200 and r.json()["status"] == "committed"
    assert (r.json()["written_rows"], r.json()["rows_to_write"]) == (1, 1)
    assert Value.objects.get().numeric_value == Decimal("4")
    client.force_login(officer)
    r = client.get(f"/indicators/entry/{period.pk}/template.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = client.post(
        f"/indicators/entry/{period.pk}/import/",
        {"file": upload(workbook(period, {"K-percent": (101, None)}))},
        follow=True,
    )
    page = r.content.decode()
    assert "A percent must be between 0 and 100." in page and "data-problems" in page


def test_commit_refuses_when_something_changed_since_preview(officer, reviewer, period, kinds):
    job = services.import_job_create(
        period=period, upload=upload(workbook(period, {"K-number": (5, None)})), actor=officer
    )
    assert job.status == ImportStatus.READY
    services.period_upsert(plan=period.plan, label=period.label, actor=reviewer, is_closed=True)
    job = services.import_commit(job=job, actor=officer)
    assert job.status == ImportStatus.INVALID
    assert job.errors[0]["message"] == "The reporting period is closed."
    assert not Value.objects.exists()
