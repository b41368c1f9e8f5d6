"""The set-based recommendations import: every problem of a large file by row and column with
nothing written, a preview of what changes (old → new), a commit whose query count does not
grow with its rows, complete row history, progress on the job, the API's 202 and status URL."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from audit.models import Event
from benchmarks.oversight import import_csv
from oversight import importers, services
from oversight.choices import ImportStatus, ReviewState, Status
from oversight.models import OversightReport, Recommendation, RecommendationImport
from tests.oversight.conftest import auth

pytestmark = pytest.mark.django_db

URL = "/api/v1/oversight/"


def _upload(data, name="recs.csv"):
    return SimpleUploadedFile(name, data)


def _preview(data, actor):
    return services.recommendation_import_create(
        upload=_upload(data), actor=actor, in_background=False
    )


def _import(data, actor):
    job = _preview(data, actor)
    assert job.status == ImportStatus.READY, job.errors[:5]
    return services.recommendation_import_commit(job=job, actor=actor, in_background=False)


def _lines(data):
    return data.decode().splitlines()


def _csv(lines):
    return ("\n".join(lines) + "\n").encode()


def _history(label):
    from django.apps import apps

    return apps.get_model("oversight", "RecommendationEvent").objects.filter(pgh_label=label)


def test_bad_rows_first_last_and_10000th_are_all_reported_and_nothing_is_written(
    oios, unops, oios_auditor
):
    lines = _lines(import_csv(12_000))
    # lines[k] is row k + 1 of the file (the header is row 1).
    lines[1] = lines[1].replace(",UNOPS,", ",NOPE,")  # the first data row
    lines[10_000] = lines[10_000].replace(",2020-02-01,", ",2020-13-01,")  # the 10,000th
    lines[-1] = lines[-1].replace("in_progress", "started")  # the last
    job = _preview(_csv(lines), oios_auditor)
    assert job.status == ImportStatus.INVALID and job.rows_to_write == 0
    assert job.errors == [
        {"row": 2, "column": "entity", "message": "Unknown entity."},
        {"row": 10_001, "column": "issued_on", "message": "Write the date as YYYY-MM-DD."},
        {"row": 12_001, "column": "status", "message": "Unknown status."},
    ]
    # The page's preview lists the rows with a problem, not the 11,997 clean ones.
    assert [p["row"] for p in job.preview] == [2, 10_001, 12_001]
    with pytest.raises(Exception, match="no problem"):
        services.recommendation_import_commit(job=job, actor=oios_auditor)
    assert not Recommendation.objects.exists() and not OversightReport.objects.exists()


def test_an_existing_reference_given_twice_is_reported_once(rec, oios_auditor):
    header = "body,report,reference,text_en,entity,issued_on"
    row = f"oios,{rec.report.symbol},{rec.reference},New text,UNOPS,2021-01-15"
    job = _preview(_csv([header, row, row]), oios_auditor)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "reference")]
    assert Recommendation.objects.get().text_en == rec.text_en


def test_every_problem_of_a_row_is_reported_by_column(oios, unops, oios_auditor):
    header = "body,report,report_title,report_date,reference,text_en,entity,issued_on,critical"
    job = _preview(
        _csv(
            [
                header,
                "nobody,R,,,X1,t,UNOPS,2020-01-01,yes",
                ",R,,,X2,t,UNOPS,01/02/2020,maybe",
                "oios,R,,,X3,t,UNOPS,2020-01-01,no",  # report unknown, no title
                "oios,R2,Title,2020-01-01,X4,t,UNOPS,2020-01-01,no",
                "oios,R2,,,X4,t,UNOPS,2020-01-01,no",  # the same reference again
            ]
        ),
        oios_auditor,
    )
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (2, "body"),
        (3, "body"),
        (3, "issued_on"),
        (3, "critical"),
        (4, "report"),
        (6, "reference"),
    }
    assert not Recommendation.objects.exists() and not OversightReport.objects.exists()


@pytest.mark.parametrize(
    ("target", "implemented", "status", "problems"),
    [
        ("2020-02-01", "", "in_progress", set()),  # the target on the issue date
        ("2020-01-31", "", "in_progress", {"target_date"}),  # a day before
        ("", "2020-02-01", "implemented", set()),  # closed on the issue date
        ("", "2020-01-31", "implemented", {"implementation_date"}),
        ("", "", "implemented", {"implementation_date"}),  # closed needs its date
        ("", "2020-03-01", "in_progress", {"implementation_date"}),  # open has none
    ],
)
def test_date_rules_at_their_boundaries(
    target, implemented, status, problems, oios, unops, oios_auditor
):
    header = "body,report,report_title,report_date,reference,text_en,entity,issued_on,"
    header += "target_date,implementation_date,status"
    row = f"oios,R,T,2020-01-01,X1,t,UNOPS,2020-02-01,{target},{implemented},{status}"
    job = _preview(_csv([header, row]), oios_auditor)
    assert {e["column"] for e in job.errors} == problems
    assert (job.status == ImportStatus.READY) is not problems


@pytest.mark.parametrize(("length", "ok"), [(80, True), (81, False)])
def test_reference_length_boundary(length, ok, oios, unops, oios_auditor):
    header = "body,report,report_title,report_date,reference,text_en,entity,issued_on"
    job = _preview(
        _csv([header, f"oios,R,T,2020-01-01,{'x' * length},t,UNOPS,2020-01-01"]), oios_auditor
    )
    if ok:
        assert job.status == ImportStatus.READY, job.errors
    else:
        assert job.errors == [
            {
                "row": 2,
                "column": "reference",
                "message": "Ensure this value has at most 80 characters (it has 81).",
            }
        ]


def test_priority_must_be_on_the_bodys_scale(oios, unops, oios_auditor):
    header = "body,report,report_title,report_date,reference,text_en,entity,issued_on,priority"
    rows = [header]
    rows += [f"oios,R,T,2020-01-01,X{p},t,UNOPS,2020-01-01,{p}" for p in ("critical", "high", "")]
    job = _preview(_csv(rows), oios_auditor)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "priority")]
    assert "critical, important" in job.errors[0]["message"]


def test_preview_shows_old_to_new_and_leaves_unchanged_rows_alone(oios, unops, oios_auditor):
    _import(import_csv(4), oios_auditor)
    before = {r.reference: r.updated_at for r in Recommendation.objects.all()}
    lines = _lines(import_csv(5))  # B0000000-B0000003 as imported, B0000004 new
    lines[2] = lines[2].replace("Strengthen the controls of unit 1", "Close the gaps")
    lines[3] = lines[3].replace("in_progress,,no", "implemented,2020-09-30,no")
    job = _preview(_csv(lines), oios_auditor)
    assert job.status == ImportStatus.READY and job.summary == {
        "create": 1,
        "update": 2,
        "unchanged": 2,
    }
    assert job.rows_to_write == 3
    shown = {p["reference"]: (p["action"], p["changes"]) for p in job.preview}
    assert shown == {
        "B0000001": (
            "update",
            {"text_en": ["Strengthen the controls of unit 1", "Close the gaps"]},
        ),
        "B0000002": (
            "update",
            {"status": ["in_progress", "implemented"], "implementation_date": ["", "2020-09-30"]},
        ),
        "B0000004": ("create", {}),
    }
    job = services.recommendation_import_commit(job=job, actor=oios_auditor, in_background=False)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 2, 2)
    assert job.written_rows == 3
    recs = {r.reference: r for r in Recommendation.objects.all()}
    assert recs["B0000002"].review_state == ReviewState.CLOSED
    assert recs["B0000002"].implementation_date == datetime.date(2020, 9, 30)
    for reference in ("B0000000", "B0000003"):  # unchanged: not even touched
        assert recs[reference].updated_at == before[reference]
    assert recs["B0000001"].updated_at > before["B0000001"]


def test_a_reopened_recommendation_is_open_again(oios, unops, oios_auditor):
    _import(import_csv(1), oios_auditor)  # row 0 is implemented
    assert Recommendation.objects.get().review_state == ReviewState.CLOSED
    data = import_csv(1).replace(b"implemented,2020-06-01", b"in_progress,")
    job = _import(data, oios_auditor)
    rec = Recommendation.objects.get()
    assert (job.updated_count, rec.status, rec.review_state) == (
        1,
        Status.IN_PROGRESS,
        ReviewState.OPEN,
    )


def test_history_is_complete_after_a_10000_row_import(oios, unops, oios_auditor):
    job = _import(import_csv(10_000, n_reports=400), oios_auditor)
    assert (job.status, job.created_count) == (ImportStatus.COMMITTED, 10_000)
    inserted = _history("insert")
    assert inserted.count() == Recommendation.objects.count() == 10_000
    assert set(inserted.values_list("pgh_obj_id", flat=True)) == set(
        Recommendation.objects.values_list("pk", flat=True)
    )
    # Every history row names the acting user and the import (one context for the file).
    contexts = {
        (c["user"], c["import_id"], c["file"])
        for c in inserted.values_list("pgh_context__metadata", flat=True)
    }
    assert contexts == {(oios_auditor.pk, job.pk, "recs.csv")}
    assert OversightReport.objects.count() == 400
    # A second file changes 2,500 of them: exactly 2,500 update rows, none for the others.
    lines = _lines(import_csv(10_000, n_reports=400))
    for k in range(1, 10_001, 4):
        lines[k] = lines[k].replace("Strengthen", "Tighten")
    second = _import(_csv(lines), oios_auditor)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 2500, 7500)
    updated = _history("update")
    assert updated.count() == 2500
    assert set(updated.values_list("pgh_obj_id", flat=True)) == set(
        Recommendation.objects.filter(text_en__startswith="Tighten").values_list("pk", flat=True)
    )
    assert {c["import_id"] for c in updated.values_list("pgh_context__metadata", flat=True)} == {
        second.pk
    }
    # One audit event per import, naming the file, the counts and the user.
    events = Event.objects.filter(action="oversight.import.committed").order_by("id")
    assert [(e.actor_id, e.payload) for e in events] == [
        (
            oios_auditor.pk,
            {
                "file": "recs.csv",
                "rows": 10_000,
                "created": 10_000,
                "updated": 0,
                "unchanged": 0,
                "reports_created": 400,
                "checked_again": False,
            },
        ),
        (
            oios_auditor.pk,
            {
                "file": "recs.csv",
                "rows": 10_000,
                "created": 0,
                "updated": 2500,
                "unchanged": 7500,
                "reports_created": 0,
                "checked_again": False,
            },
        ),
    ]


def _queries(data, actor):
    """Queries of the preview and of the write of one file."""
    with CaptureQueriesContext(connection) as preview:
        job = _preview(data, actor)
    assert job.status == ImportStatus.READY, job.errors[:3]
    with CaptureQueriesContext(connection) as write:
        job = services.recommendation_import_commit(job=job, actor=actor, in_background=False)
    assert job.status == ImportStatus.COMMITTED
    return len(preview.captured_queries), len(write.captured_queries)


def test_query_counts_do_not_grow_with_rows(oios, unops, oios_auditor):
    _queries(import_csv(1, prefix="W", n_reports=1), oios_auditor)  # caches filled once
    small = _queries(import_csv(5, prefix="S", n_reports=2), oios_auditor)
    large = _queries(import_csv(600, prefix="L", n_reports=40), oios_auditor)
    assert small == large
    # Updates of existing rows too (the same references, other texts).
    small = _queries(import_csv(5, prefix="S", n_reports=2, text="Tighten"), oios_auditor)
    large = _queries(import_csv(600, prefix="L", n_reports=40, text="Tighten"), oios_auditor)
    assert small == large
    assert Recommendation.objects.filter(text_en__startswith="Tighten").count() == 605


def test_progress_is_100_once_read_and_once_written(oios, unops, oios_auditor):
    job = _preview(import_csv(3), oios_auditor)
    assert (job.status, job.progress) == (ImportStatus.READY, 100)
    job = services.recommendation_import_commit(job=job, actor=oios_auditor, in_background=False)
    assert (job.status, job.progress) == (ImportStatus.COMMITTED, 100)


@override_settings(OVERSIGHT_IMPORT_INLINE_MAX_BYTES=0)
def test_api_answers_202_with_a_status_url(api, oios, unops, oios_auditor):
    r = auth(api, oios_auditor).post(
        f"{URL}recommendations/import/", {"file": _upload(import_csv(3))}, format="multipart"
    )
    assert r.status_code == 202, r.content
    job = RecommendationImport.objects.get()
    assert r.json()["status_url"] == r["Location"] == f"{URL}imports/{job.pk}/"
    assert (r.json()["status"], r.json()["progress"]) == ("pending", 0)
    RecommendationImport.objects.filter(pk=job.pk).update(status=ImportStatus.PARSING, progress=30)
    body = api.get(r.json()["status_url"]).json()
    assert (body["status"], body["progress"]) == ("parsing", 30)


@override_settings(OVERSIGHT_IMPORT_INLINE_ROWS=0)
def test_api_commit_in_a_job_answers_202(api, oios, unops, oios_auditor):
    job = _preview(import_csv(3), oios_auditor)
    r = auth(api, oios_auditor).post(f"{URL}imports/{job.pk}/commit/")
    assert r.status_code == 202 and r.json()["status"] == "committing"
    assert r["Location"] == f"{URL}imports/{job.pk}/"
    assert not Recommendation.objects.exists()


def test_page_shows_a_progress_bar_while_the_job_runs(client, oios, unops, oios_auditor):
    job = _preview(import_csv(3), oios_auditor)
    client.force_login(oios_auditor)
    page = client.get(f"/oversight/import/{job.pk}/")
    assert "<progress" not in page.text and 'id="import-summary"' in page.text
    RecommendationImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.COMMITTING, progress=60
    )
    page = client.get(f"/oversight/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert '<progress id="import-progress" max="100" value="60">' in page.text
    assert 'hx-trigger="every 1s"' in page.text


def test_the_row_maximum_is_a_setting_of_200000_by_default():
    from resultsframework import settings as project_settings

    assert project_settings.OVERSIGHT_IMPORT_MAX_ROWS == 200_000
    assert importers.limits().max_rows == 200_000


@override_settings(OVERSIGHT_IMPORT_MAX_ROWS=3)
def test_one_row_above_the_maximum_is_refused_naming_the_limit(oios, unops, oios_auditor):
    assert _preview(import_csv(3), oios_auditor).status == ImportStatus.READY
    job = _preview(import_csv(4, prefix="C"), oios_auditor)
    assert job.status == ImportStatus.INVALID
    assert job.errors == [
        {"row": 0, "column": "", "message": "A file holds at most 3 rows after the header."}
    ]
    assert not Recommendation.objects.exists()
