"""Exports of lists: small ones stream at once, large ones become jobs kept in the report
archive. Each file opens with openpyxl and holds the rows with real numbers; formula text stays
text; nobody exports or opens what they cannot see in the list; bad input writes nothing."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Event
from core.files import private_storage
from core.jobs import jobs_sweep
from entities.choices import Role
from reports import services_exports
from reports.choices import ExportStatus
from reports.models import ExportRun
from tests.factories import api_token, user_with_role
from tests.indicators.factories import IndicatorFactory, PeriodFactory, PlanFactory, value_in
from tests.oversight.factories import OversightBodyFactory, RecommendationFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def oios(db):
    return OversightBodyFactory(code="oios", name_en="OIOS")


@pytest.fixture
def recs(oios, unops, undp):
    """Two UNOPS recommendations (one whose reference looks like a formula) and one UNDP."""
    report = ReportFactory(body=oios, symbol="2021/001", entity=unops)
    first = RecommendationFactory(
        report=report, entity=unops, reference="=HYPERLINK(\"http://x\")",
        issued_on=datetime.date(2021, 3, 1), target_date=datetime.date(2021, 6, 30),
    )  # fmt: skip
    second = RecommendationFactory(report=report, entity=unops, reference="AR/2")
    other = RecommendationFactory(
        report=ReportFactory(body=oios, symbol="2021/002", entity=undp), entity=undp,
        reference="UNDP/1",
    )  # fmt: skip
    return first, second, other


def _book(response):
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(wb, sheet=0):
    ws = wb.worksheets[sheet]
    header, *rows = ws.iter_rows(values_only=True)
    return [dict(zip(header, r, strict=True)) for r in rows]


def _auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


# --- small exports stream at once -------------------------------------------------------------


def test_small_recommendation_export_streams_with_real_dates_numbers_and_text(
    client, auditor, recs
):
    client.force_login(auditor)
    wb = _book(client.post("/oversight/export.xlsx"))
    rows = {r["reference"]: r for r in _rows(wb)}
    assert set(rows) == {recs[0].reference, "AR/2", "UNDP/1"}
    first = rows[recs[0].reference]
    # The reference "=HYPERLINK(...)" is text, never a live formula.
    ws = wb.worksheets[0]
    column = [c.value for c in ws[1]].index("reference")
    cell = next(r[column] for r in ws.iter_rows() if r[column].value == recs[0].reference)
    assert cell.data_type == "s" and cell.quotePrefix
    assert first["issued_on"] == datetime.datetime(2021, 3, 1)
    assert first["target_date"] == datetime.datetime(2021, 6, 30)
    assert isinstance(first["Days open"], int) and first["Days open"] > 0
    assert isinstance(first["Days overdue"], int)
    assert wb.sheetnames[1] == "Codes"
    assert not ExportRun.objects.exists()  # nothing kept for a small one


def test_the_pages_filters_carry_into_the_export(client, auditor, recs):
    client.force_login(auditor)
    rows = _rows(_book(client.get("/oversight/export.xlsx", {"entity": "UNDP"})))
    assert [r["reference"] for r in rows] == ["UNDP/1"]


def test_a_member_exports_only_the_recommendations_they_see(client, recs, unops):
    client.force_login(user_with_role(Role.REVIEWER, unops, username="t-rev-unops"))
    rows = _rows(_book(client.get("/oversight/export.xlsx")))
    assert sorted(r["reference"] for r in rows) == sorted([recs[0].reference, "AR/2"])


def test_export_refused_without_a_role_and_bad_filters_answer_400(client, api, recs, auditor):
    nobody = user_with_role(Role.READER, None, username="t-nobody")
    nobody.memberships.all().delete()
    client.force_login(nobody)
    assert client.post("/oversight/export.xlsx").status_code == 403
    assert client.get("/indicators/values/export.xlsx").status_code == 403
    assert (
        _auth(api, nobody)
        .post("/api/v1/exports/", {"list": "recommendations"}, format="json")
        .status_code
        == 403
    )
    client.force_login(auditor)
    r = client.post("/oversight/export.xlsx?year=abc")
    assert r.status_code == 400 and "year" in r.content.decode()
    r = _auth(api, auditor).post(
        "/api/v1/exports/", {"list": "recommendations", "filters": {"year": "abc"}}, format="json"
    )
    assert r.status_code == 400 and "year" in r.json()
    r = _auth(api, auditor).post("/api/v1/exports/", {"list": "nothing"}, format="json")
    assert r.status_code == 400 and "list" in r.json()
    assert not ExportRun.objects.exists()
    assert not Event.objects.filter(action="reports.export.requested").exists()


def test_api_export_streams_small_lists_and_sends_large_ones_to_a_job(api, auditor, recs, settings):
    rows = _rows(_book(_auth(api, auditor).get("/api/v1/oversight/recommendations/export/")))
    assert len(rows) == 3
    settings.EXPORT_INLINE_MAX_ROWS = 2
    r = _auth(api, auditor).get("/api/v1/oversight/recommendations/export/")
    assert r.status_code == 409 and "/api/v1/exports/" in r.json()["detail"]
    assert not ExportRun.objects.exists()


# --- the boundary between at once and a job ---------------------------------------------------


def test_exactly_the_limit_streams_one_more_becomes_a_job(client, auditor, recs, settings):
    client.force_login(auditor)
    settings.EXPORT_INLINE_MAX_ROWS = 3
    assert len(_rows(_book(client.post("/oversight/export.xlsx")))) == 3
    settings.EXPORT_INLINE_MAX_ROWS = 2
    # A GET (a link) does not start a job: it says how to.
    r = client.get("/oversight/export.xlsx")
    assert r.status_code == 409 and not ExportRun.objects.exists()
    # UNOPS's two rows: at the limit, streamed at once.
    assert len(_rows(_book(client.post("/oversight/export.xlsx?entity=UNOPS")))) == 2
    assert not ExportRun.objects.exists()
    r = client.post("/oversight/export.xlsx?q=")
    run = ExportRun.objects.get()
    assert r.status_code == 303 and r["Location"] == f"/reports/exports/{run.pk}/"
    assert (run.status, run.total_rows, run.requested_by) == (ExportStatus.QUEUED, 3, auditor)
    assert Event.objects.filter(action="reports.export.requested", target_id=str(run.pk)).exists()


# --- a large export runs as a job and lands in the archive ------------------------------------


def _large_export(client, user, query="", settings=None):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    client.force_login(user)
    before = set(ExportRun.objects.values_list("pk", flat=True))
    r = client.post(f"/oversight/export.xlsx{query}")
    assert r.status_code == 303
    run = ExportRun.objects.exclude(pk__in=before).get()
    return services_exports.export_run_execute(run_id=run.pk)


def test_job_writes_the_file_into_the_archive_with_progress_and_download(
    client, auditor, recs, settings, unops, undp
):
    run = _large_export(client, auditor, "?body=oios", settings)
    assert (run.status, run.progress, run.total_rows, run.written_rows) == ("succeeded", 100, 3, 3)
    assert run.params == {"body": ["oios"]}
    assert sorted(run.entity_ids) == sorted([unops.pk, undp.pk])
    assert private_storage().exists(run.file.name) and run.file.name.startswith("exports/")
    page = client.get(f"/reports/exports/{run.pk}/")
    assert page.status_code == 200
    assert b"<progress" in page.content and b'data-export-status="succeeded"' in page.content
    archive = client.get("/reports/exports/", headers={"HX-Request": "true"})
    assert f'data-export="{run.pk}"'.encode() in archive.content
    assert b'hx-get="/reports/exports/"' in client.get("/reports/").content
    rows = _rows(_book(client.get(f"/reports/exports/{run.pk}/file/")))
    assert len(rows) == 3


def test_a_job_holds_what_its_requester_sees_and_others_open_it_only_if_they_see_it_all(
    client, api, auditor, recs, settings, unops, undp
):
    all_rows = _large_export(client, auditor, "", settings)
    unops_reviewer = user_with_role(Role.REVIEWER, unops, username="t-rev-unops")
    unops_only = _large_export(client, unops_reviewer, "", settings)
    assert unops_only.entity_ids == [unops.pk]
    rows = _rows(_book(client.get(f"/reports/exports/{unops_only.pk}/file/")))
    assert sorted(r["reference"] for r in rows) == sorted([recs[0].reference, "AR/2"])
    # The UNOPS reviewer does not see UNDP's rows, so not the auditor's export of them all.
    for url in (f"/reports/exports/{all_rows.pk}/", f"/reports/exports/{all_rows.pk}/file/"):
        assert client.get(url).status_code == 404
    assert _auth(api, unops_reviewer).get(f"/api/v1/exports/{all_rows.pk}/").status_code == 404
    listed = _auth(api, unops_reviewer).get("/api/v1/exports/").json()["results"]
    assert [e["id"] for e in listed] == [unops_only.pk]
    # Another UNOPS member sees every UNOPS recommendation: the UNOPS export, not the other.
    colleague = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-off-unops")
    client.force_login(colleague)
    assert client.get(f"/reports/exports/{unops_only.pk}/file/").status_code == 200
    assert client.get(f"/reports/exports/{all_rows.pk}/file/").status_code == 404
    # UNDP's officer sees neither; the auditor (reads everything) sees both.
    client.force_login(user_with_role(Role.PROGRAMME_OFFICER, undp, username="t-off-undp"))
    assert client.get(f"/reports/exports/{unops_only.pk}/").status_code == 404
    client.force_login(auditor)
    assert client.get(f"/reports/exports/{unops_only.pk}/file/").status_code == 200
    # Only its requester deletes it (others get 403, nothing removed).
    r = client.post(f"/reports/exports/{unops_only.pk}/delete/")
    assert r.status_code == 403 and private_storage().exists(unops_only.file.name)


def test_deleting_an_export_removes_its_file(
    client, auditor, recs, settings, django_capture_on_commit_callbacks
):
    run = _large_export(client, auditor, "", settings)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/reports/exports/{run.pk}/delete/")
    assert r.status_code == 302
    assert not ExportRun.objects.filter(pk=run.pk).exists()
    assert not private_storage().exists(run.file.name)
    assert Event.objects.filter(action="reports.export.deleted", target_id=str(run.pk)).exists()


def test_api_starts_a_job_202_with_status_url_then_downloads(
    api, auditor, recs, unops, django_capture_on_commit_callbacks
):
    r = _auth(api, auditor).post(
        "/api/v1/exports/", {"list": "recommendations", "filters": {"entity": "UNOPS"}},
        format="json",
    )  # fmt: skip
    assert r.status_code == 202, r.content
    body = r.json()
    assert r["Location"] == body["status_url"] == f"/api/v1/exports/{body['id']}/"
    assert body["status"] == "queued" and body["file_url"] is None
    services_exports.export_run_execute(run_id=body["id"])
    status = _auth(api, auditor).get(body["status_url"]).json()
    assert (status["status"], status["progress"], status["total_rows"]) == ("succeeded", 100, 2)
    rows = _rows(_book(_auth(api, auditor).get(status["file_url"])))
    assert sorted(r["reference"] for r in rows) == sorted([recs[0].reference, "AR/2"])
    # Another who sees every UNOPS row may read it, not delete it; its requester deletes it.
    colleague = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-off-unops")
    assert _auth(api, colleague).get(body["status_url"]).status_code == 200
    assert _auth(api, colleague).delete(body["status_url"]).status_code == 403
    name = ExportRun.objects.get(pk=body["id"]).file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert _auth(api, auditor).delete(body["status_url"]).status_code == 204
    assert not ExportRun.objects.filter(pk=body["id"]).exists()
    assert not private_storage().exists(name)


def test_a_job_run_twice_leaves_the_done_export_alone(client, auditor, recs, settings):
    run = _large_export(client, auditor, "", settings)
    again = services_exports.export_run_execute(run_id=run.pk)
    assert (again.status, again.file.name) == ("succeeded", run.file.name)


def test_a_job_whose_worker_is_gone_is_failed_by_the_sweeper(auditor, recs):
    run = services_exports.export_start(kind="recommendations", params={}, actor=auditor)
    old = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    ExportRun.objects.filter(pk=run.pk).update(status=ExportStatus.RUNNING, heartbeat_at=old)
    swept = jobs_sweep(active={})
    assert [s.pk for s in swept["reports.export"]] == [run.pk]
    run.refresh_from_db()
    assert run.status == ExportStatus.FAILED and run.error


# --- query counts do not grow with rows -------------------------------------------------------


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_count_of_an_export_is_constant_in_rows(client, api, auditor, oios, unops, settings):
    client.force_login(auditor)
    report = ReportFactory(body=oios, entity=unops)

    def measure():
        # The signed-in shell (user, navigation) is cached (entities.backends) and moved on by
        # the writes of each round: warmed first, so the counts compare the export's own.
        client.get("/entities/")
        inline = _queries(lambda: b"".join(client.post("/oversight/export.xlsx").streaming_content))
        settings.EXPORT_INLINE_MAX_ROWS = 0
        run = services_exports.export_start(kind="recommendations", params={}, actor=auditor)
        job = _queries(lambda: services_exports.export_run_execute(run_id=run.pk))
        listed = _queries(lambda: client.get("/reports/exports/"))
        settings.EXPORT_INLINE_MAX_ROWS = 5000
        return inline, job, listed

    for _ in range(2):
        RecommendationFactory(report=report, entity=unops)
    small = measure()
    for _ in range(6):
        RecommendationFactory(report=report, entity=unops)
    assert measure() == small


# --- the list of values ----------------------------------------------------------------------


def test_values_export_holds_numbers_as_numbers_and_only_what_the_user_reads(
    client, api, unops, undp, settings
):
    officer = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-off")
    reviewer = user_with_role(Role.REVIEWER, unops, username="t-rev")
    plan = PlanFactory(entity=unops)
    period = PeriodFactory(plan=plan)
    mine = IndicatorFactory(plan=plan, code="=1+1")
    value_in(mine, period, "approved", officer=officer, reviewer=reviewer, number="1234.5")
    undp_plan = PlanFactory(entity=undp)
    undp_officer = user_with_role(Role.PROGRAMME_OFFICER, undp, username="t-off-undp")
    value_in(IndicatorFactory(plan=undp_plan), PeriodFactory(plan=undp_plan), officer=undp_officer)
    client.force_login(reviewer)
    wb = _book(client.post("/indicators/values/export.xlsx?status=approved"))
    (row,) = _rows(wb)
    assert row["Value"] == 1234.5 and isinstance(row["Value"], float)
    assert row["Code"] == "=1+1" and wb.worksheets[0]["D2"].data_type == "s"
    assert row["Status"] == "Approved" and row["Entity"] == "UNOPS"
    assert isinstance(row["Reviewed at"], datetime.datetime)
    api_rows = _rows(_book(_auth(api, reviewer).get("/api/v1/values/export/")))
    assert [r["Entity"] for r in api_rows] == ["UNOPS"]
    assert Decimal(str(api_rows[0]["Value"])) == Decimal("1234.5")
    client.force_login(undp_officer)
    assert [r["Entity"] for r in _rows(_book(client.get("/indicators/values/export.xlsx")))] == [
        "UNDP"
    ]


# --- the review page's export ------------------------------------------------------------------


def test_the_review_export_holds_exactly_what_the_review_page_lists(client, unops, undp):
    """A reviewer of one UNOPS unit who also reads UNDP: the review page lists the submitted
    values of that unit (and of UNOPS indicators no unit owns) — not the other unit's, not
    UNDP's it merely reads — and its export holds the same rows, whatever the filters."""
    from tests.factories import MembershipFactory, OrgUnitFactory, UserFactory

    unit, other = OrgUnitFactory(entity=unops, code="A"), OrgUnitFactory(entity=unops, code="B")
    reviewer = UserFactory(username="t-rev-unit")
    boss = user_with_role(Role.REVIEWER, unops, username="t-rev-unops")
    MembershipFactory(user=reviewer, entity=unops, role=Role.REVIEWER, org_unit=unit)
    MembershipFactory(user=reviewer, entity=undp, role=Role.READER)
    officer = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-off")
    undp_officer = user_with_role(Role.PROGRAMME_OFFICER, undp, username="t-off-undp")
    plan = PlanFactory(entity=unops)
    period = PeriodFactory(plan=plan)
    for code, owner, status in (
        ("A-1", unit, "submitted"), ("A-2", unit, "approved"), ("A-3", unit, "draft"),
        ("B-1", other, "submitted"), ("N-1", None, "submitted"),
    ):  # fmt: skip
        value_in(IndicatorFactory(plan=plan, code=code, org_unit=owner), period, status,
                 officer=officer, reviewer=boss)  # fmt: skip
    undp_plan = PlanFactory(entity=undp)
    value_in(IndicatorFactory(plan=undp_plan, code="U-1"), PeriodFactory(plan=undp_plan),
             "submitted", officer=undp_officer)  # fmt: skip
    client.force_login(reviewer)
    for query, expected in (
        ("", {"A-1", "N-1"}),  # the page's default: submitted
        ("?status=", {"A-1", "A-2", "A-3", "N-1"}),  # every status
        ("?status=approved", {"A-2"}),
        ("?status=submitted&q=N-", {"N-1"}),
    ):
        page = client.get(f"/indicators/review/{query}")
        listed = {v.indicator.code for v in page.context["page"].object_list}
        assert listed == expected, query
        button = f"/indicators/review/export.xlsx?{page.context['filter'].data.urlencode()}"
        assert button.replace("&amp;", "&") in page.content.decode().replace("&amp;", "&")
        exported = {r["Code"] for r in _rows(_book(client.post(button)))}
        assert exported == listed, query
    # a link without the page's query gets the page's default list
    assert {r["Code"] for r in _rows(_book(client.get("/indicators/review/export.xlsx")))} == {
        "A-1",
        "N-1",
    }


def test_the_review_list_is_exported_as_a_job_through_the_api(api, unops, undp):
    reviewer = user_with_role(Role.REVIEWER, unops, username="t-rev")
    r = _auth(api, reviewer).post(
        "/api/v1/exports/", {"list": "review", "filters": {"status": ["submitted"]}}, format="json"
    )
    assert r.status_code == 202, r.content
    run = ExportRun.objects.get()
    assert (run.kind, run.params, run.requested_by) == (
        "review",
        {"status": ["submitted"]},
        reviewer,
    )
    reader = user_with_role(Role.READER, undp, username="t-reader-undp")
    r = _auth(api, reader).post("/api/v1/exports/", {"list": "review"}, format="json")
    assert r.status_code == 403 and ExportRun.objects.count() == 1


def test_the_review_export_is_refused_to_those_who_review_nothing(client, unops):
    client.force_login(user_with_role(Role.READER, unops, username="t-reader"))
    assert client.get("/indicators/review/export.xlsx").status_code == 403
    client.force_login(user_with_role(Role.REVIEWER, unops, username="t-rev"))
    response = client.get("/indicators/review/export.xlsx?status=nonsense")
    assert response.status_code == 400 and b"status" in response.content
