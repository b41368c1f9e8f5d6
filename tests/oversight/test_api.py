"""The oversight API: workflow through the same services, refusals, filters, query counts."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import Event
from core.cache import bump
from oversight.choices import ReviewState, Status
from oversight.models import Comment, Evidence, Recommendation
from tests.oversight.conftest import PDF, auth
from tests.oversight.factories import RecommendationFactory, ReportFactory

pytestmark = pytest.mark.django_db

YESTERDAY = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
URL = "/api/v1/oversight/recommendations/"


def upload_pdf(api, rec):
    return api.post(
        f"{URL}{rec.pk}/evidence/",
        {"file": SimpleUploadedFile("proof.pdf", PDF), "description": "Signed policy"},
        format="multipart",
    )


def propose(api, rec):
    return api.post(
        f"{URL}{rec.pk}/propose-closure/",
        {"proposed_status": "implemented", "implementation_date": YESTERDAY, "note": "Done."},
        format="json",
    )


def test_workflow_through_the_api(api, rec, reviewer, oios_auditor):
    auth(api, reviewer)
    r = api.post(f"{URL}{rec.pk}/progress/", {"note": "Policy drafted."}, format="json")
    assert r.status_code == 200, r.content
    r = upload_pdf(api, rec)
    assert r.status_code == 201, r.content
    download = r.json()["download_url"]
    assert propose(api, rec).status_code == 200
    auth(api, oios_auditor)
    r = api.post(f"{URL}{rec.pk}/accept-closure/", {"note": "Verified."}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "implemented"
    assert body["review_state"] == "closed"
    assert body["implementation_date"] == YESTERDAY
    # The auditor downloads the evidence; a stranger cannot.
    r = api.get(download)
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Disposition"].startswith("attachment")
    history = api.get(f"{URL}{rec.pk}/history/").json()
    assert {h["object"] for h in history} == {"recommendation", "evidence", "comment"}


def test_other_body_auditor_gets_403_and_nothing_changes(api, rec, reviewer, boa_auditor):
    auth(api, reviewer)
    upload_pdf(api, rec)
    propose(api, rec)
    events = Event.objects.count()
    auth(api, boa_auditor)
    r = api.post(f"{URL}{rec.pk}/accept-closure/", {}, format="json")
    assert r.status_code == 403
    assert r.json()["detail"] == (
        "Only an auditor of the recommendation's oversight body may accept closure."
    )
    rec.refresh_from_db()
    assert rec.review_state == ReviewState.CLOSURE_PROPOSED and rec.status == Status.IN_PROGRESS
    assert Event.objects.count() == events


def test_focal_point_of_other_entity_gets_404(api, rec, officer_undp):
    r = auth(api, officer_undp).post(f"{URL}{rec.pk}/progress/", {"note": "x"}, format="json")
    assert r.status_code == 404
    assert not Comment.objects.exists()


def test_return_without_reason_is_400(api, rec, reviewer, oios_auditor):
    auth(api, reviewer)
    upload_pdf(api, rec)
    propose(api, rec)
    auth(api, oios_auditor)
    r = api.post(f"{URL}{rec.pk}/return-closure/", {"reason": ""}, format="json")
    assert r.status_code == 400
    assert r.json() == {"reason": ["Say why the closure is sent back."]}
    rec.refresh_from_db()
    assert rec.review_state == ReviewState.CLOSURE_PROPOSED


def test_closure_without_evidence_is_400(api, rec, reviewer):
    r = propose(auth(api, reviewer), rec)
    assert r.status_code == 400
    assert r.json() == {"evidence": ["Attach evidence before proposing closure."]}
    rec.refresh_from_db()
    assert rec.review_state == ReviewState.OPEN
    assert not Event.objects.exists()


def test_bad_evidence_file_is_400(api, rec, reviewer):
    r = auth(api, reviewer).post(
        f"{URL}{rec.pk}/evidence/",
        {"file": SimpleUploadedFile("x.html", b"<script>")},
        format="multipart",
    )
    assert r.status_code == 400
    assert "Files of this type are not accepted" in r.json()["file"][0]
    assert not Evidence.objects.exists()


def test_evidence_download_refused_to_other_entity(api, rec, reviewer, officer_undp):
    auth(api, reviewer)
    evidence_id = upload_pdf(api, rec).json()["id"]
    r = auth(api, officer_undp).get(f"/api/v1/oversight/evidence/{evidence_id}/download/")
    assert r.status_code == 404


def test_create_and_update_by_body_auditor_only(api, oios, unops, oios_auditor, boa_auditor):
    report = ReportFactory(body=oios)
    payload = {
        "body": "oios",
        "report": report.pk,
        "entity": "UNOPS",
        "reference": "AR/NEW/1",
        "text_zh": "应加强资产管理。",
        "issued_on": "2024-03-01",
        "priority": "important",
    }
    r = auth(api, boa_auditor).post(URL, payload, format="json")
    assert r.status_code == 403
    assert not Recommendation.objects.exists()
    r = auth(api, oios_auditor).post(URL, payload, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = api.patch(f"{URL}{pk}/", {"is_critical": True, "status": "implemented"}, format="json")
    assert r.status_code == 200
    assert r.json()["is_critical"] is True
    assert r.json()["status"] == "in_progress"  # workflow fields are read-only here
    r = api.post(URL, payload, format="json")  # the same reference again
    assert r.status_code == 400
    assert Recommendation.objects.count() == 1


def test_filters_and_chinese_search(api, auditor, oios, boa, unops, undp):
    r1 = RecommendationFactory(
        report=ReportFactory(body=oios), entity=unops, text_zh="应加强燃料管理。", is_critical=True
    )
    RecommendationFactory(
        report=ReportFactory(body=boa),
        entity=undp,
        text_en="Improve ICT security.",
        text_zh="改进信息安全。",
        issued_on=datetime.date(2019, 5, 1),
        target_date=datetime.date(2020, 1, 1),
    )
    auth(api, auditor)

    def refs(**params):
        return [x["reference"] for x in api.get(URL, params).json()["results"]]

    assert refs(q="燃料") == [r1.reference]
    assert refs(q="燃料 管理") == [r1.reference]
    assert len(refs(q="ict SECURITY")) == 1
    assert refs(body="oios") == [r1.reference]
    assert refs(entity="UNOPS") == [r1.reference]
    assert refs(critical="true") == [r1.reference]
    assert len(refs(year=2019)) == 1
    assert len(refs(overdue="true")) == 2
    assert len(refs(ageing="365+")) == 2
    assert refs(status="implemented") == []
    r = api.get(URL, {"body": "nope"})
    assert r.status_code == 400


def test_list_query_count_does_not_grow(api, auditor, oios, unops, django_assert_max_num_queries):
    report = ReportFactory(body=oios)
    RecommendationFactory.create_batch(3, report=report, entity=unops)
    auth(api, auditor)
    with django_assert_max_num_queries(8) as few:
        assert api.get(URL).status_code == 200
    RecommendationFactory.create_batch(40, report=report, entity=unops)
    bump()  # factories write without a service: the page is built again (core.cache)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = api.get(URL)
    assert r.status_code == 200 and r.json()["count"] == 43


def test_statistics_endpoint(api, auditor, rec):
    r = auth(api, auditor).get("/api/v1/oversight/statistics/", {"body": "oios"})
    assert r.status_code == 200
    (oios,) = r.json()
    assert oios["rows"][0]["issued"] == 1
    assert oios["rows"][0]["implementation_rate"] == 0


def test_import_through_the_api(api, oios, unops, oios_auditor, boa_auditor):
    csv = (
        "body,report,report_title,report_date,reference,text_en,entity,issued_on,status,"
        "implementation_date\n"
        "oios,2024/010,Audit of fuel,2024-02-01,AR/1,Strengthen fuel controls,UNOPS,"
        "2024-02-01,in_progress,\n"
        "oios,2024/010,,,AR/2,Update the manual,UNOPS,2024-02-01,implemented,2024-06-01\n"
    )

    def post(user, commit):
        f = SimpleUploadedFile("recs.csv", csv.encode())
        return auth(api, user).post(
            f"{URL}import/", {"file": f, "commit": commit}, format="multipart"
        )

    r = post(boa_auditor, True)
    assert r.status_code == 400
    assert {e["message"] for e in r.json()["errors"]} == {"You are not an auditor of this body."}
    assert not Recommendation.objects.exists()
    r = post(oios_auditor, False)
    assert r.status_code == 200 and r.json()["created"] is None
    assert not Recommendation.objects.exists()
    r = post(oios_auditor, True)
    assert r.status_code == 200, r.content
    assert r.json()["created"] == 2
    assert Recommendation.objects.get(reference="AR/2").review_state == ReviewState.CLOSED


def test_resolutions_and_action_items(api, auditor, db):
    from oversight import demo

    demo.load_resolutions()
    demo.load_action_plan()
    auth(api, auditor)
    r = api.get("/api/v1/oversight/resolutions/", {"q": "财务报告"})
    assert r.status_code == 200 and r.json()["count"] >= 1
    assert api.get("/api/v1/oversight/resolutions/").json()["count"] == 64
    assert api.get("/api/v1/oversight/action-plan-items/").json()["count"] == 14
    pk = r.json()["results"][0]["id"]
    r = api.patch(f"/api/v1/oversight/resolutions/{pk}/", {"status": "pending"}, format="json")
    assert r.status_code == 403  # auditors read, they do not keep the resolutions


def test_resolution_edit_by_secretariat_with_history(api, db, unops):
    from entities.choices import Role
    from oversight import demo
    from oversight.models import Resolution
    from tests.factories import user_with_role

    demo.load_resolutions()
    # A General Assembly resolution is kept system-wide: UNOPS's secretariat may not change it.
    unops_secretariat = user_with_role(Role.BOARD_SECRETARIAT, unops, username="t-sec-unops")
    res = Resolution.objects.get(row=2)
    r = auth(api, unops_secretariat).patch(
        f"/api/v1/oversight/resolutions/{res.pk}/", {"status": "completed"}, format="json"
    )
    assert r.status_code == 403
    res.refresh_from_db()
    assert res.status != "completed"
    assert not Event.objects.filter(action="oversight.resolution.updated").exists()
    secretariat = user_with_role(Role.BOARD_SECRETARIAT, None, username="t-sec")
    r = auth(api, secretariat).patch(
        f"/api/v1/oversight/resolutions/{res.pk}/",
        {"status": "completed", "report_symbols": ["A/76/999"]},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert [e.pgh_label for e in res.events.order_by("pgh_id")] == ["insert", "update"]
    assert Event.objects.filter(action="oversight.resolution.updated").exists()


def test_export_xlsx(api, auditor, rec):
    from python_calamine import CalamineWorkbook

    r = auth(api, auditor).get(f"{URL}export/", {"body": "oios"})
    assert r.status_code == 200
    content = b"".join(r.streaming_content)  # streamed from a temporary file
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][:4] == ["body", "report", "volume", "reference"]
    assert rows[1][3] == rec.reference


def test_reports_are_added_by_the_bodys_auditors(api, oios, unops, oios_auditor, boa_auditor):
    from oversight.models import OversightReport

    payload = {
        "body": "oios",
        "symbol": "A/76/5 (Vol. I)",
        "title_en": "Audit of fuel management",
        "title_zh": "燃料管理审计",
        "issued_on": "2021-07-01",
        "volume": "I",
        "entity": "UNOPS",
    }
    r = auth(api, boa_auditor).post("/api/v1/oversight/reports/", payload, format="json")
    assert r.status_code == 403
    assert not OversightReport.objects.exists()
    r = auth(api, oios_auditor).post("/api/v1/oversight/reports/", payload, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["entity"] == "UNOPS" and r.json()["is_illustrative"] is False
    r = api.post("/api/v1/oversight/reports/", payload, format="json")
    assert r.status_code == 400
    assert OversightReport.objects.count() == 1
    assert Event.objects.filter(action="oversight.report.created").count() == 1
